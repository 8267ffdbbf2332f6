package io.dreamid.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The options of {@code dreamid dataset build --names FILE --edits FILE [options]},
 * {@code dreamid dataset export ID --out DIR} and {@code dreamid dataset show ID}.
 *
 * @param spec the build's spec fields given on the command line (names and edits are read from the files)
 */
record DatasetOptions(String action, String datasetId, Path names, Path edits, Map<String, Object> spec, Path outDir,
        String gateway, String apiKey) {

    static DatasetOptions parse(String[] args) {
        if (args.length == 0 || !java.util.List.of("build", "export", "show").contains(args[0])) {
            throw new UsageException("dataset: give build, export or show, e.g. dreamid dataset build --names"
                    + " names.txt --edits edits.txt");
        }
        String action = args[0];
        String id = null;
        Path names = null;
        Path edits = null;
        Path out = null;
        String gateway = null;
        String key = null;
        Map<String, Object> spec = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--names" -> names = Path.of(value(args, ++i, option));
                case "--edits" -> edits = Path.of(value(args, ++i, option));
                case "--portrait-prompt" -> spec.put("portraitPrompt", value(args, ++i, option));
                case "--portraits" -> spec.put("portraitsPerName", integer(args, ++i, option));
                case "--images" -> spec.put("imagesPerEdit", integer(args, ++i, option));
                case "--width" -> spec.put("width", integer(args, ++i, option));
                case "--height" -> spec.put("height", integer(args, ++i, option));
                case "--steps" -> spec.put("steps", integer(args, ++i, option));
                case "--scheduler" -> spec.put("scheduler", value(args, ++i, option));
                case "--guidance" -> spec.put("guidanceScale", number(args, ++i, option));
                case "--seed" -> spec.put("seed", (long) number(args, ++i, option));
                case "--max-distance" -> spec.put("maxDistance", number(args, ++i, option));
                case "--out" -> out = Path.of(value(args, ++i, option));
                case "--gateway" -> gateway = value(args, ++i, option);
                case "--api-key" -> key = value(args, ++i, option);
                default -> {
                    if (option.startsWith("--") || id != null || action.equals("build")) {
                        throw new UsageException("dataset " + action + ": unexpected argument \"" + option + "\"");
                    }
                    id = option;
                }
            }
        }
        if (action.equals("build")) {
            if (names == null || edits == null) {
                throw new UsageException("dataset build: give --names FILE and --edits FILE (one entry per line)");
            }
            for (Path file : new Path[] {names, edits}) {
                if (!Files.isReadable(file)) {
                    throw new UsageException("dataset build: cannot read " + file);
                }
            }
        } else if (id == null) {
            throw new UsageException("dataset " + action + ": give the dataset id");
        } else if (action.equals("export") && out == null) {
            throw new UsageException("dataset export: give --out DIR, the folder to write the dataset to");
        }
        return new DatasetOptions(action, id, names, edits, Map.copyOf(spec), out, gateway, key);
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new UsageException(name + " needs a value");
        }
        return args[i];
    }

    private static int integer(String[] args, int i, String name) {
        try {
            return Integer.parseInt(value(args, i, name));
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a whole number, got \"" + args[i] + "\"");
        }
    }

    private static double number(String[] args, int i, String name) {
        try {
            return Double.parseDouble(value(args, i, name));
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a number, got \"" + args[i] + "\"");
        }
    }
}
