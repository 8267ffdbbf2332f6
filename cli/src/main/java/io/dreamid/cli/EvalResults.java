package io.dreamid.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The raw results of an evaluation folder ({@code results.json}): one run per label (an encoder bundle), each with
 * every output image's identity score. A new run of a label replaces the old one; other labels are kept.
 */
final class EvalResults {
    static final String FILE = "results.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One output image.
     *
     * @param judged     whether the identity judge's score was there (false: it did not come in time)
     * @param faceFound  whether the judge found a face in it
     * @param distance   dlib descriptor distance to the input face (null without a face)
     * @param similarity the judge's similarity, 1 identical, 0.5 at the threshold (null without a face)
     */
    record Image(String person, String jobId, int prompt, String promptText, String category, String file,
            boolean judged, boolean faceFound, Double distance, Double similarity, boolean samePerson) {
    }

    /** A face whose job did not succeed. */
    record Failure(String person, String jobId, String code, String message) {
    }

    record Run(String label, List<PromptSet.Prompt> prompts, Map<String, Object> spec, List<Image> images,
            List<Failure> failures) {
    }

    private final Map<String, Run> runs;

    private EvalResults(Map<String, Run> runs) {
        this.runs = runs;
    }

    static EvalResults read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return new EvalResults(new LinkedHashMap<>());
        }
        try {
            return new EvalResults(new LinkedHashMap<>(JSON.readValue(file.toFile(),
                    new TypeReference<Map<String, Run>>() { })));
        } catch (IOException e) {
            throw new UsageException("--out: " + file + " is not an evaluation's results (" + e.getMessage()
                    + "); use another --out folder");
        }
    }

    void put(Run run) {
        runs.put(run.label(), run);
    }

    Map<String, Run> runs() {
        return runs;
    }

    void write(Path dir) {
        EvalReport.writeAtomically(dir.resolve(FILE), out -> JSON.writeValue(out, runs));
    }
}
