package io.dreamid.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code dreamid eval}: one identity job per face with every prompt of the set, through the gateway like any
 * client; waits until each output image carries the identity judge's score, downloads the images, adds the run to
 * the report folder's results (runs of other labels are kept, so encoder bundles evaluated one after another stand
 * side by side) and writes the report.
 */
final class EvalCommand {
    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    static final String DEFAULT_LABEL = "served";
    /** The gateway's limit of prompts in one job. */
    static final int MAX_PROMPTS_PER_JOB = 8;

    private final EvalOptions options;
    private final PrintStream out;
    private final PrintStream err;

    EvalCommand(EvalOptions options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    int run() {
        GenerateCommand.prepareOutputFolder(options.outDir());
        String label = options.label() == null ? DEFAULT_LABEL : options.label();
        GatewayClient gateway = new GatewayClient(Connection.resolve(options.gateway(), options.apiKey(), System.getenv()))
                .onNotice(err::println);
        List<PromptSet.Prompt> prompts = options.prompts().prompts();
        Map<String, Object> spec = new LinkedHashMap<>(options.spec());
        spec.put("prompts", prompts.stream().map(PromptSet.Prompt::text).toList());
        List<EvalResults.Image> images = new ArrayList<>();
        List<EvalResults.Failure> failures = new ArrayList<>();
        for (Path face : options.faces()) {
            String person = EvalOptions.person(face);
            // the gateway takes at most MAX_PROMPTS_PER_JOB prompts per job: a longer set is sent in several jobs
            for (int first = 0; first < prompts.size(); first += MAX_PROMPTS_PER_JOB) {
                List<PromptSet.Prompt> slice = prompts.subList(first, Math.min(prompts.size(),
                        first + MAX_PROMPTS_PER_JOB));
                Map<String, Object> jobSpec = new LinkedHashMap<>(options.spec());
                jobSpec.put("prompts", slice.stream().map(PromptSet.Prompt::text).toList());
                runJob(gateway, face, person, jobSpec, first, label, images, failures);
            }
        }
        EvalResults results = EvalResults.read(options.outDir());
        results.put(new EvalResults.Run(label, options.prompts().prompts(), spec, images, failures));
        results.write(options.outDir());
        EvalReport report = EvalReport.write(results, options.outDir());
        report.summary(label).forEach(out::println);
        out.println("report " + options.outDir().resolve(EvalReport.HTML).toAbsolutePath());
        return failures.isEmpty() ? Main.OK : Main.JOB_FAILED;
    }

    /** One job of {@code person} with the prompts from index {@code first} on; its images or its failure. */
    private void runJob(GatewayClient gateway, Path face, String person, Map<String, Object> spec, int first,
            String label, List<EvalResults.Image> images, List<EvalResults.Failure> failures) {
        String jobId = gateway.submitPhoto(face, spec).path("jobId").asText();
        err.println(person + ": job " + jobId);
        JsonNode job = awaitTerminal(gateway, jobId);
        if (!job.path("status").asText().equals("SUCCEEDED")) {
            String code = job.path("error").path("code").asText(job.path("status").asText());
            err.println(person + ": job " + jobId + " ended " + job.path("status").asText() + ": "
                    + Failures.explain(job.path("error")));
            failures.add(new EvalResults.Failure(person, jobId, code, job.path("error").path("message").asText("")));
            return;
        }
        job = awaitJudged(gateway, job);
        for (JsonNode image : job.path("images")) {
            int prompt = first + image.path("prompt").asInt();
            int n = image.path("image").asInt();
            String file = "images/" + label + "/" + person + "/p" + prompt + "-" + n + ".png";
            gateway.download(image.path("url").asText(), options.outDir().resolve(file));
            JsonNode identity = image.path("identity");
            PromptSet.Prompt p = options.prompts().prompts().get(prompt);
            images.add(new EvalResults.Image(person, jobId, prompt, p.text(), p.category(), file,
                    identity.isObject(), identity.path("faceFound").asBoolean(false),
                    number(identity.path("distance")), number(identity.path("similarity")),
                    identity.path("samePerson").asBoolean(false)));
        }
    }

    private static Double number(JsonNode node) {
        return node.isNumber() ? node.asDouble() : null;
    }

    private JsonNode awaitTerminal(GatewayClient gateway, String jobId) {
        JsonNode job = gateway.job(jobId);
        while (!TERMINAL.contains(job.path("status").asText())) {
            GenerateCommand.sleep();
            job = gateway.job(jobId);
        }
        return job;
    }

    /** The judge scores each image after it is stored: the job view until every image has its score, or the timeout. */
    private JsonNode awaitJudged(GatewayClient gateway, JsonNode job) {
        long deadline = System.nanoTime() + options.judgeTimeoutSeconds() * 1_000_000_000L;
        String jobId = job.path("jobId").asText();
        while (!judged(job) && System.nanoTime() < deadline) {
            GenerateCommand.sleep();
            job = gateway.job(jobId);
        }
        if (!judged(job)) {
            err.println("job " + jobId + ": not every image was judged within " + options.judgeTimeoutSeconds()
                    + " s; those are reported as not judged");
        }
        return job;
    }

    private static boolean judged(JsonNode job) {
        for (JsonNode image : job.path("images")) {
            if (!image.path("identity").isObject()) {
                return false;
            }
        }
        return true;
    }
}
