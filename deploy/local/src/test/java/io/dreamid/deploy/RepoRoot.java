package io.dreamid.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout's root folder (the one with ./dreamid), from the module folder that Maven runs tests in. */
final class RepoRoot {
    private RepoRoot() {
    }

    static Path find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("dreamid")) && Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no folder with ./dreamid above " + Path.of("").toAbsolutePath());
    }
}
