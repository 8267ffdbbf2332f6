package io.dreamid.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code dreamid generate}: submit, show progress from the job's event stream, download the images. */
final class GenerateCommand {
    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private static final long POLL_MILLIS = 500;
    /** How long a bestOf job's images are waited for to be chosen after the job has SUCCEEDED. */
    private static final long CHOICE_WAIT_MILLIS = 60_000;

    private final GenerateOptions options;
    private final PrintStream out;
    private final PrintStream err;

    GenerateCommand(GenerateOptions options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    int run() {
        // Before the job is submitted: a job whose images cannot be saved would be work thrown away.
        prepareOutputFolder(options.outDir());
        GatewayClient gateway = new GatewayClient(Connection.resolve(options.gateway(), options.apiKey(), System.getenv()))
                .onNotice(err::println);
        JsonNode accepted = options.face() != null
                ? gateway.submitPhoto(options.face(), options.spec())
                : gateway.submitIdentity(options.identityId(), options.spec());
        String jobId = accepted.path("jobId").asText();
        err.println("job " + jobId + " accepted");

        ProgressBar bar = new ProgressBar(err, System.console() != null);
        JsonNode last = gateway.follow(jobId, state -> {
            bar.show(state);
            return TERMINAL.contains(state.path("status").asText());
        });
        // The event stream may end early (a proxy timeout, a gateway restart): the job itself is the truth.
        while (last == null || !TERMINAL.contains(last.path("status").asText())) {
            sleep();
            last = gateway.job(jobId);
            bar.show(last);
        }
        bar.finish();
        JsonNode job = gateway.job(jobId);
        return switch (job.path("status").asText()) {
            case "SUCCEEDED" -> downloadImages(gateway, awaitChoice(gateway, job));
            case "CANCELLED" -> {
                err.println("job " + jobId + " was cancelled");
                yield Main.JOB_FAILED;
            }
            default -> {
                err.println("job " + jobId + " failed: " + Failures.explain(job.path("error")));
                yield Main.JOB_FAILED;
            }
        };
    }

    /** Creates the --out folder if needed and checks that images can be written into it. */
    static void prepareOutputFolder(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".dreamid-", ".tmp");
            Files.delete(probe);
        } catch (FileAlreadyExistsException e) {
            throw new UsageException("--out: " + dir + " is a file, not a folder");
        } catch (IOException | SecurityException e) {
            throw new UsageException("--out: cannot write images into " + dir + " (" + e + ")");
        }
    }

    /**
     * For a {@code bestOf} job, the job once the identity judge has chosen each image (every image carries its
     * score), waiting at most {@link #CHOICE_WAIT_MILLIS}; then as it is, whose images are the first candidates.
     */
    private JsonNode awaitChoice(GatewayClient gateway, JsonNode job) {
        if (job.path("spec").path("bestOf").asInt(1) <= 1) {
            return job;
        }
        long deadline = System.nanoTime() + CHOICE_WAIT_MILLIS * 1_000_000L;
        JsonNode now = job;
        while (!chosen(now)) {
            if (System.nanoTime() > deadline) {
                err.println("note: the identity judge has not chosen among the candidates yet; saving the first ones");
                return now;
            }
            sleep();
            now = gateway.job(job.path("jobId").asText());
        }
        return now;
    }

    private static boolean chosen(JsonNode job) {
        for (JsonNode image : job.path("images")) {
            if (!image.path("identity").has("chosen")) {
                return false;
            }
        }
        return true;
    }

    private int downloadImages(GatewayClient gateway, JsonNode job) {
        String jobId = job.path("jobId").asText();
        List<Path> written = new ArrayList<>();
        int n = 0;
        for (JsonNode image : job.path("images")) {
            String link = image.isTextual() ? image.asText() : image.path("url").asText(image.path("href").asText());
            Path target = options.outDir().resolve(jobId + "-" + n + ".png");
            gateway.download(link, target);
            written.add(target);
            n++;
        }
        for (JsonNode notice : job.path("notices")) {
            err.println("note: " + notice.asText());
        }
        for (Path p : written) {
            out.println(p.toAbsolutePath());
        }
        out.println("job " + jobId);
        return Main.OK;
    }

    /** The pause between two reads of a job that is still running. */
    static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException("interrupted");
        }
    }
}
