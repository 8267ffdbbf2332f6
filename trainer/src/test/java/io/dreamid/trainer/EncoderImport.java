package io.dreamid.trainer;

import io.dreamid.common.models.ModelsImport;
import io.dreamid.testsupport.EmbeddedS3;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** What {@code ./dreamid models import --encoder} runs, against the embedded S3 server (version 1). */
public final class EncoderImport {
    private EncoderImport() {
    }

    /** The exit status and everything printed. */
    public record Result(int exit, String output) {
    }

    public static Result run(Path bundle, String name, Path servicesEnv) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Map<String, String> env = Map.of("DREAMID_STORAGE_ENDPOINT", EmbeddedS3.start(), "DREAMID_STORAGE_ACCESS_KEY",
                EmbeddedS3.ACCESS_KEY, "DREAMID_STORAGE_SECRET_KEY", EmbeddedS3.SECRET_KEY, "DREAMID_STORAGE_BUCKET",
                EmbeddedS3.BUCKET, "DREAMID_STORAGE_REGION", EmbeddedS3.REGION);
        int exit = ModelsImport.run(new String[] {"--encoder", bundle.toString(), "--name", name, "--version", "1",
                "--services-env", servicesEnv.toString()}, env::get, print, print);
        return new Result(exit, bytes.toString(StandardCharsets.UTF_8));
    }
}
