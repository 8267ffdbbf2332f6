package io.dreamid.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamid.common.messages.DatasetMessage;
import io.dreamid.e2e.PlatformAccess;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Dataset builds (issue 16) on the tiny bundles through the whole platform: prints pairs per minute of a build and
 * its overhead per image: the build's time from submission to SUCCEEDED minus the model run times its jobs report
 * (text encoding, denoising, VAE decoding of the diffusion stage), divided by the build's images; of that, the
 * builder's face screening per image is printed too (it runs while later jobs generate, so it overlaps them). Builds run one after the other; the first {@code --warmup} ones
 * are not counted (fresh JVMs).
 *
 * <p>Run: {@code ./mvnw -B -pl e2e -am test-compile exec:java -Dbench=e2e
 * -De2e.main=io.dreamid.e2e.bench.DatasetBenchmark -Dexec.args="--names 4 --edits 2 --images 2 --builds 3"}.
 */
public final class DatasetBenchmark {
    private static final Set<String> MODEL_TIMINGS = Set.of("diffusion.text_encode", "diffusion.denoise",
            "diffusion.decode");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI gateway;
    private final String apiKey;
    private final HttpClient http = HttpClient.newHttpClient();

    private DatasetBenchmark(URI gateway, String apiKey) {
        this.gateway = gateway;
        this.apiKey = apiKey;
    }

    public static void main(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i], args[i + 1]);
        }
        int names = Integer.parseInt(opts.getOrDefault("--names", "4"));
        int edits = Integer.parseInt(opts.getOrDefault("--edits", "2"));
        int images = Integer.parseInt(opts.getOrDefault("--images", "2"));
        int steps = Integer.parseInt(opts.getOrDefault("--steps", "2"));
        int builds = Integer.parseInt(opts.getOrDefault("--builds", "3"));
        int warmup = Integer.parseInt(opts.getOrDefault("--warmup", "1"));
        int status = 1;
        try (PlatformAccess platform = PlatformAccess.start()) {
            DatasetBenchmark bench = new DatasetBenchmark(platform.gateway(), platform.apiKey());
            System.out.printf(Locale.ROOT, "dataset builds on the tiny bundles: %d names x (1 portrait + %d edits x %d"
                    + " images), %d steps, 64x64; %d warm-up build(s), then %d measured%n", names, edits, images, steps,
                    warmup, builds);
            for (int b = 0; b < warmup + builds; b++) {
                String line = bench.build(names, edits, images, steps, b);
                System.out.println((b < warmup ? "warm-up  " : "measured ") + line);
            }
            status = 0;
        } catch (Exception | Error e) {
            e.printStackTrace();
        }
        System.exit(status);
    }

    private String build(int names, int edits, int images, int steps, int round) throws Exception {
        List<String> nameList = new ArrayList<>();
        for (int i = 0; i < names; i++) {
            nameList.add("Person " + round + "-" + i);
        }
        List<String> editList = new ArrayList<>();
        for (int i = 0; i < edits; i++) {
            editList.add("{name} in scene " + i);
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("names", nameList);
        spec.put("editPrompts", editList);
        spec.put("imagesPerEdit", images);
        spec.put("width", 64);
        spec.put("height", 64);
        spec.put("steps", steps);
        spec.put("seed", round);
        long t0 = System.nanoTime();
        HttpResponse<String> accepted = http.send(request("/v1/datasets").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(spec))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (accepted.statusCode() != 202) {
            throw new IllegalStateException("POST /v1/datasets -> " + accepted.statusCode() + " " + accepted.body());
        }
        String id = JSON.readTree(accepted.body()).path("datasetId").asText();
        JsonNode dataset;
        while (true) {
            dataset = get("/v1/datasets/" + id);
            String state = dataset.path("status").asText();
            if (state.equals("SUCCEEDED") && dataset.has("summary")) {
                break;
            }
            if (state.equals("FAILED") || state.equals("CANCELLED")) {
                throw new IllegalStateException("dataset " + id + " ended " + dataset);
            }
            Thread.sleep(20);
        }
        double elapsedMs = (System.nanoTime() - t0) / 1e6;
        int jobs = names * (1 + edits);
        int imageCount = names + names * edits * images;
        double modelMs = 0;
        for (int index = 0; index < jobs; index++) {
            JsonNode timings = get("/v1/jobs/" + DatasetMessage.jobIdOf(id, index)).path("timings");
            for (String key : MODEL_TIMINGS) {
                modelMs += timings.path(key).asDouble(0);
            }
        }
        double screenMs = dataset.at("/timings/dataset.screen").asDouble(0);
        int pairs = dataset.at("/summary/pairs/total").asInt();
        return String.format(Locale.ROOT, "%s: %d jobs, %d images, %d pairs (%d kept) in %.0f ms: %.0f pairs/min,"
                + " %.1f images/s; model time %.0f ms; overhead %.0f ms per image (build time minus model time), of"
                + " which face screening %.0f ms per image", id, jobs, imageCount, pairs,
                dataset.at("/summary/pairs/kept").asInt(), elapsedMs, pairs / (elapsedMs / 60_000),
                imageCount / (elapsedMs / 1000), modelMs, (elapsedMs - modelMs) / imageCount, screenMs / imageCount);
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + " -> " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(gateway.resolve(path)).header("X-API-Key", apiKey)
                .timeout(Duration.ofSeconds(30));
    }
}
