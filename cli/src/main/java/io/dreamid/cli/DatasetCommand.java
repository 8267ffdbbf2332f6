package io.dreamid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code dreamid dataset build|export|show}: builds a self-augmented editability dataset through the gateway, follows
 * it, and writes its pairs to a local folder in the layout the trainer reads ({@code manifest.jsonl},
 * {@code summary.json}, {@code crops/}, {@code portraits/}, {@code images/}).
 */
final class DatasetCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DatasetOptions options;
    private final PrintStream out;
    private final PrintStream err;

    DatasetCommand(DatasetOptions options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    int run() {
        GatewayClient gateway = new GatewayClient(Connection.resolve(options.gateway(), options.apiKey(),
                System.getenv()));
        return switch (options.action()) {
            case "build" -> build(gateway);
            case "export" -> export(gateway, options.datasetId());
            default -> {
                out.println(gateway.dataset(options.datasetId()).toPrettyString());
                yield Main.OK;
            }
        };
    }

    private int build(GatewayClient gateway) {
        Map<String, Object> spec = new LinkedHashMap<>(options.spec());
        spec.put("names", lines(options.names(), "--names"));
        spec.put("editPrompts", lines(options.edits(), "--edits"));
        JsonNode accepted = gateway.submitDataset(spec);
        String id = accepted.path("datasetId").asText();
        err.println("dataset " + id + " accepted; following it (" + gateway.gateway() + "/v1/datasets/" + id + ")");
        ProgressBar bar = new ProgressBar(err, System.console() != null);
        JsonNode last = gateway.followEvents("/v1/datasets/" + id + "/events", state -> {
            bar.show(state);
            return isTerminal(state);
        });
        bar.finish();
        JsonNode dataset = gateway.dataset(id);
        if (last == null || !"SUCCEEDED".equals(dataset.path("status").asText())) {
            err.println("dataset " + id + " ended " + dataset.path("status").asText()
                    + (dataset.has("error") ? ": " + dataset.path("error").path("message").asText() : ""));
            out.println(id);
            return Main.JOB_FAILED;
        }
        JsonNode pairs = dataset.at("/summary/pairs");
        err.println("pairs: " + pairs.path("kept").asInt() + " kept of " + pairs.path("total").asInt()
                + "; dropped " + pairs.path("dropped"));
        if (options.outDir() != null) {
            export(gateway, id);
        }
        out.println(id);
        return Main.OK;
    }

    /** Writes the dataset's manifest, summary and every file the manifest names into the output folder. */
    private int export(GatewayClient gateway, String id) {
        Path dir = options.outDir();
        JsonNode dataset = gateway.dataset(id);
        if (!"SUCCEEDED".equals(dataset.path("status").asText())) {
            throw new GatewayException("dataset " + id + " is " + dataset.path("status").asText()
                    + "; only a built dataset (SUCCEEDED) can be exported");
        }
        String files = "/v1/datasets/" + id + "/files/";
        gateway.download(files + "manifest.jsonl", dir.resolve("manifest.jsonl"));
        gateway.download(files + "summary.json", dir.resolve("summary.json"));
        Set<String> named = new LinkedHashSet<>();
        try {
            for (String line : Files.readAllLines(dir.resolve("manifest.jsonl"), StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode pair = JSON.readTree(line);
                for (String field : List.of("portrait", "chip", "portraitImage", "image")) {
                    // "chip" (the portrait's dlib chip) is missing from manifests built before chips were stored.
                    if (pair.has(field) || !field.equals("chip")) {
                        named.add(pair.path(field).asText());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the downloaded manifest", e);
        }
        for (String file : named) {
            Path target = dir.resolve(file).normalize();
            if (file.isEmpty() || !target.startsWith(dir.normalize())) {
                throw new GatewayException("the manifest names \"" + file + "\", which is not inside the dataset");
            }
            gateway.download(files + file, target);
        }
        err.println("exported " + (named.isEmpty() ? 0 : countLines(dir)) + " pairs (" + named.size() + " files) of "
                + id + " to " + dir);
        return Main.OK;
    }

    private static long countLines(Path dir) {
        try {
            return Files.readAllLines(dir.resolve("manifest.jsonl")).stream().filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isTerminal(JsonNode state) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(state.path("status").asText());
    }

    /** The non-blank lines of a list file, without lines starting with {@code #}. */
    static List<String> lines(Path file, String option) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            if (lines.isEmpty()) {
                throw new UsageException(option + ": " + file + " has no entries (one per line; # starts a comment)");
            }
            return lines;
        } catch (IOException e) {
            throw new UsageException(option + ": cannot read " + file + " (" + e.getMessage() + ")");
        }
    }
}
