package io.dreamid.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An evaluation's prompts: a UTF-8 text file, one prompt per line naming the person with {@code {id}}; a line
 * {@code [category]} starts a category (prompts before any are {@code general}); blank lines and lines starting with
 * {@code #} are skipped.
 */
record PromptSet(List<Prompt> prompts) {
    static final String GENERAL = "general";

    record Prompt(String text, String category) {
    }

    static PromptSet read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("--prompts: cannot read " + file + " (" + e.getMessage() + ")");
        }
        List<Prompt> prompts = new ArrayList<>();
        String category = GENERAL;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]") || line.length() < 3) {
                    throw new UsageException("--prompts: " + file + " line " + (i + 1) + ": a category is written"
                            + " [name], got " + line);
                }
                category = line.substring(1, line.length() - 1).strip();
                continue;
            }
            if (!line.contains("{id}")) {
                throw new UsageException("--prompts: " + file + " line " + (i + 1) + ": the prompt does not name the"
                        + " person with {id}: " + line);
            }
            prompts.add(new Prompt(line, category));
        }
        if (prompts.isEmpty()) {
            throw new UsageException("--prompts: " + file + " has no prompt (one per line, each with {id})");
        }
        return new PromptSet(List.copyOf(prompts));
    }
}
