package io.dreamid.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The identity overhead (issue 15; DreamIdentity claims it is negligible): rounds of three jobs on the same
 * diffusion bundle with the same prompt text, size, steps, scheduler and seed, run one at a time and alternated:
 * a plain text-to-image job (the placeholder's place taken by a plain word), a job naming an identity encoded
 * before ({@code identityId}: K identity words injected, no face or encoder work), and a job from the photo (face
 * detection and encoding too). Prints the medians of the diffusion stage's time (its timings but the queue wait)
 * (identity read, tokenize, text encode, denoise, decode, PNG, store) and of the end-to-end time of each kind, and their ratios to the text-only job's.
 *
 * <p>Usage: {@code IdentityOverheadBenchmark [--gateway URL --api-key KEY] [--rounds N] [--warmup W] [--steps S]
 * [--size PX] [--scheduler NAME]}. Run: {@code ./mvnw -B -pl e2e -am test-compile exec:java -Dbench=e2e
 * -De2e.main=io.dreamid.e2e.bench.IdentityOverheadBenchmark -Dexec.args="--rounds 20"}.
 */
public final class IdentityOverheadBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT = "a photo of %s as an astronaut, studio lighting";
    private static final long SEED = 7;
    /** The diffusion stage's own steps (not its queue wait, nor the sub-timings inside denoise). */
    private static final java.util.Set<String> STAGE_STEPS = java.util.Set.of("diffusion.identity",
            "diffusion.tokenize", "diffusion.text_encode", "diffusion.denoise", "diffusion.decode", "diffusion.png",
            "diffusion.store");
    private static final List<String> KINDS = List.of("text-only", "identityId", "photo");

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = PlatformBenchmark.options(args);
        int rounds = Integer.parseInt(opts.getOrDefault("--rounds", "20"));
        int warmup = Integer.parseInt(opts.getOrDefault("--warmup", "5"));
        int steps = Integer.parseInt(opts.getOrDefault("--steps", "10"));
        int size = Integer.parseInt(opts.getOrDefault("--size", "64"));
        String scheduler = opts.getOrDefault("--scheduler", "euler");
        PlatformBenchmark.runAndExit(opts, (client, embedded) -> run(client, rounds, warmup, steps, size, scheduler));
    }

    private static void run(PlatformBenchmark client, int rounds, int warmup, int steps, int size, String scheduler)
            throws Exception {
        byte[] face;
        try (InputStream in = IdentityOverheadBenchmark.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            face = in.readAllBytes();
        }
        JsonNode identityJob = client.awaitTerminal(jobId(client.submit("/v1/identities", face, null)));
        String identityId = identityJob.path("identityId").asText();
        if (identityId.isEmpty()) {
            throw new IllegalStateException("the identity job did not succeed: " + identityJob);
        }
        String params = ",\"steps\":" + steps + ",\"width\":" + size + ",\"height\":" + size + ",\"seed\":" + SEED
                + ",\"scheduler\":\"" + scheduler + "\"}";
        String textSpec = "{\"prompts\":[\"" + PROMPT.formatted("someone") + "\"]" + params;
        String personSpec = "{\"prompts\":[\"" + PROMPT.formatted("{id}") + "\"]" + params;

        Map<String, List<Long>> diffusion = new LinkedHashMap<>();
        Map<String, List<Long>> endToEnd = new LinkedHashMap<>();
        KINDS.forEach(k -> {
            diffusion.put(k, new ArrayList<>());
            endToEnd.put(k, new ArrayList<>());
        });
        List<Double> pairRatios = new ArrayList<>();
        for (int round = 0; round < warmup + rounds; round++) {
            long[] text = timed(client, () -> client.submitJson("{\"spec\":" + textSpec + "}"));
            long[] byId = timed(client, () -> client.submitJson("{\"spec\":" + personSpec + ",\"identityId\":\""
                    + identityId + "\"}"));
            long[] photo = timed(client, () -> client.submit("/v1/jobs", face, personSpec));
            if (round < warmup) {
                continue;
            }
            long[][] results = {text, byId, photo};
            for (int k = 0; k < KINDS.size(); k++) {
                diffusion.get(KINDS.get(k)).add(results[k][0]);
                endToEnd.get(KINDS.get(k)).add(results[k][1]);
            }
            pairRatios.add((double) byId[0] / Math.max(1, text[0]));
        }

        System.out.printf(Locale.ROOT, "identity overhead: %d rounds of 3 jobs alternated (after %d warm-up rounds),"
                + " one job at a time, %dx%d, %d steps, %s, seed %d, the platform's diffusion bundle%n", rounds,
                warmup, size, size, steps, scheduler, SEED);
        long textDiffusion = PlatformBenchmark.pct(diffusion.get("text-only"), 50);
        long textEnd = PlatformBenchmark.pct(endToEnd.get("text-only"), 50);
        for (String kind : KINDS) {
            long d = PlatformBenchmark.pct(diffusion.get(kind), 50);
            long e = PlatformBenchmark.pct(endToEnd.get(kind), 50);
            System.out.printf(Locale.ROOT, "  %-10s diffusion stage p50 %5d ms (x%.3f)   end to end p50 %5d ms (x%.3f)%n",
                    kind, d, (double) d / Math.max(1, textDiffusion), e, (double) e / Math.max(1, textEnd));
        }
        pairRatios.sort(Double::compare);
        System.out.printf(Locale.ROOT, "diffusion-stage ratio identity/text-only: %.3f (median of medians), %.3f"
                + " (median of the %d per-round ratios)%n",
                (double) PlatformBenchmark.pct(diffusion.get("identityId"), 50) / Math.max(1, textDiffusion),
                pairRatios.get(pairRatios.size() / 2), pairRatios.size());
        System.out.printf(Locale.ROOT, "end-to-end ratio identity/text-only: %.3f (by identityId), %.3f (from the"
                + " photo)%n", (double) PlatformBenchmark.pct(endToEnd.get("identityId"), 50) / Math.max(1, textEnd),
                (double) PlatformBenchmark.pct(endToEnd.get("photo"), 50) / Math.max(1, textEnd));
    }

    private interface Submission {
        HttpResponse<String> send() throws Exception;
    }

    /** Runs one job to its end: {diffusion-stage ms (its timings but the queue wait), end-to-end ms}. */
    private static long[] timed(PlatformBenchmark client, Submission submission) throws Exception {
        long t0 = System.nanoTime();
        JsonNode job = client.awaitTerminal(jobId(submission.send()));
        long elapsed = (System.nanoTime() - t0) / 1_000_000;
        if (!job.path("status").asText().equals("SUCCEEDED")) {
            throw new IllegalStateException("job " + job.path("jobId").asText() + " ended " + job.path("status")
                    + ": " + job.path("error"));
        }
        long diffusion = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = job.path("timings").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (STAGE_STEPS.contains(e.getKey())) {
                diffusion += e.getValue().asLong();
            }
        }
        return new long[] {diffusion, elapsed};
    }

    private static String jobId(HttpResponse<String> accepted) throws Exception {
        if (accepted.statusCode() != 202) {
            throw new IllegalStateException("refused: " + accepted.statusCode() + " " + accepted.body());
        }
        return JSON.readTree(accepted.body()).path("jobId").asText();
    }
}
