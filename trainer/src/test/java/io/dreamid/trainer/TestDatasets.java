package io.dreamid.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Datasets made for a test from the committed ones. */
public final class TestDatasets {
    private TestDatasets() {
    }

    /** A copy of the fixed tiny dataset (4 pairs, 64x64 images). */
    public static Path tinyCopy(Path dir) throws IOException {
        Path tiny = TestModels.resource("datasets/tiny");
        for (String sub : List.of("crops", "images")) {
            Files.createDirectories(dir.resolve(sub));
            try (var files = Files.list(tiny.resolve(sub))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(sub).resolve(f.getFileName()));
                }
            }
        }
        Files.copy(tiny.resolve(TrainingDataset.MANIFEST), dir.resolve(TrainingDataset.MANIFEST));
        return dir;
    }

    /**
     * The tiny dataset with a {@code chip} per line, as the dataset builder writes it: person-a's pairs get the
     * astronaut's 150x150 dlib chip, person-b's Grace Hopper's (the chips of {@code datasets/two-people/}).
     */
    public static Path tinyWithChips(Path dir) throws IOException {
        tinyCopy(dir);
        Path people = TestModels.resource("datasets/two-people");
        Files.createDirectories(dir.resolve("chips"));
        Files.copy(people.resolve("astronaut.png"), dir.resolve("chips/astronaut.png"));
        Files.copy(people.resolve("grace_hopper.png"), dir.resolve("chips/grace_hopper.png"));
        Path manifest = dir.resolve(TrainingDataset.MANIFEST);
        String lines = Files.readString(manifest)
                .replace("\"portrait\": \"crops/person-a.png\"",
                        "\"portrait\": \"crops/person-a.png\", \"chip\": \"chips/astronaut.png\"")
                .replace("\"portrait\": \"crops/person-b.png\"",
                        "\"portrait\": \"crops/person-b.png\", \"chip\": \"chips/grace_hopper.png\"");
        Files.writeString(manifest, lines);
        return dir;
    }
}
