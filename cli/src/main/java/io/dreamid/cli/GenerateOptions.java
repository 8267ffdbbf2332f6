package io.dreamid.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of {@code dreamid generate}. Only the shape of the values is checked here; the gateway checks
 * ranges and explains what to fix, so the rules live in one place.
 */
record GenerateOptions(
        Path face,
        String identityId,
        List<String> prompts,
        Map<String, Object> spec,
        Path outDir,
        String gateway,
        String apiKey) {

    static GenerateOptions parse(String[] args) {
        Path face = null;
        String identity = null;
        List<String> prompts = new ArrayList<>();
        Map<String, Object> spec = new LinkedHashMap<>();
        Path out = Path.of("dreamid-output");
        String gateway = null;
        String key = null;
        for (Map.Entry<String, String> option : OptionPairs.of(args)) {
            String name = option.getKey();
            String value = option.getValue();
            switch (name) {
                case "--face" -> face = Path.of(value);
                case "--identity" -> identity = value;
                case "--prompt" -> prompts.add(value);
                case "--negative" -> spec.put("negativePrompt", value);
                case "--face-choice" -> spec.put("face", value);
                case "--out" -> out = Path.of(value);
                case "--gateway" -> gateway = value;
                case "--api-key" -> key = value;
                default -> sampling(spec, name, value);
            }
        }
        if ((face == null) == (identity == null)) {
            throw new UsageException("give either --face PHOTO or --identity ID");
        }
        if (face != null && !Files.isRegularFile(face)) {
            throw new UsageException("--face: no such file: " + face);
        }
        if (prompts.isEmpty()) {
            throw new UsageException("give at least one --prompt, e.g. --prompt \"a photo of {id} as an astronaut\"");
        }
        spec.put("prompts", List.copyOf(prompts));
        return new GenerateOptions(face, identity, List.copyOf(prompts), spec, out, gateway, key);
    }

    /** The sampling options generate and eval share, into the job spec; any other name is unknown. */
    static void sampling(Map<String, Object> spec, String name, String value) {
        switch (name) {
            case "--images" -> spec.put("imagesPerPrompt", integer(name, value));
            case "--best-of" -> spec.put("bestOf", integer(name, value));
            case "--steps" -> spec.put("steps", integer(name, value));
            case "--seed" -> spec.put("seed", longValue(name, value));
            case "--guidance" -> spec.put("guidanceScale", decimal(name, value));
            case "--width" -> spec.put("width", integer(name, value));
            case "--height" -> spec.put("height", integer(name, value));
            case "--scheduler" -> spec.put("scheduler", value);
            default -> throw new UsageException("unknown option " + name);
        }
    }

    static int integer(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected a whole number, got \"" + value + "\"");
        }
    }

    static long longValue(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected a whole number, got \"" + value + "\"");
        }
    }

    static double decimal(String name, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected a number, got \"" + value + "\"");
        }
    }
}
