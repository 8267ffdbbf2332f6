package io.dreamid.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The options of {@code dreamid eval}: every face of {@code --faces} with every prompt of {@code --prompts}, the
 * sampling options of {@code generate}, the report folder and the run's label (the served encoder's version unless
 * given).
 */
record EvalOptions(List<Path> faces, PromptSet prompts, Map<String, Object> spec, Path outDir, String label,
        int judgeTimeoutSeconds, String gateway, String apiKey) {
    private static final List<String> IMAGE_SUFFIXES = List.of(".jpg", ".jpeg", ".png", ".webp");

    static EvalOptions parse(String[] args) {
        Path faces = null;
        Path prompts = null;
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("imagesPerPrompt", 2);
        spec.put("seed", 1L);
        Path out = Path.of("dreamid-eval");
        String label = null;
        int judgeTimeout = 120;
        String gateway = null;
        String key = null;
        for (Map.Entry<String, String> option : OptionPairs.of(args)) {
            String name = option.getKey();
            String value = option.getValue();
            switch (name) {
                case "--faces" -> faces = Path.of(value);
                case "--prompts" -> prompts = Path.of(value);
                case "--out" -> out = Path.of(value);
                case "--label" -> label = value;
                case "--judge-timeout" -> judgeTimeout = GenerateOptions.integer(name, value);
                case "--gateway" -> gateway = value;
                case "--api-key" -> key = value;
                default -> GenerateOptions.sampling(spec, name, value);
            }
        }
        if (faces == null || prompts == null) {
            throw new UsageException("give --faces DIR (one photo per person) and --prompts FILE");
        }
        if (label != null && !label.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new UsageException("--label must be 1-64 of [A-Za-z0-9._-], got \"" + label + "\"");
        }
        return new EvalOptions(faceFiles(faces), PromptSet.read(prompts), spec, out, label, judgeTimeout, gateway, key);
    }

    /** The photos in the folder, by name; each file is a person named by the file name without its extension. */
    static List<Path> faceFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UsageException("--faces: not a folder: " + dir);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> faces = files.filter(Files::isRegularFile)
                    .filter(p -> IMAGE_SUFFIXES.stream().anyMatch(
                            s -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(s)))
                    .sorted().toList();
            if (faces.isEmpty()) {
                throw new UsageException("--faces: " + dir + " has no photo (.jpg, .jpeg, .png, .webp)");
            }
            return faces;
        } catch (IOException e) {
            throw new UsageException("--faces: cannot list " + dir + " (" + e.getMessage() + ")");
        }
    }

    static String person(Path face) {
        String name = face.getFileName().toString();
        return name.substring(0, name.lastIndexOf('.'));
    }
}
