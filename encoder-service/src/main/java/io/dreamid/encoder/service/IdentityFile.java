package io.dreamid.encoder.service;

import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsFile;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An identity's stored embedding, {@code identities/{identityId}.safetensors}: one F32 tensor {@value #TENSOR} of
 * shape [words, width] (row k is pseudo-word s_k) and string metadata {@code format}, {@code identityId},
 * {@code encoderVersion}, {@code words}, {@code width} and {@code sourceCrop} (the object key of the aligned crop it
 * was computed from).
 */
public record IdentityFile(String identityId, String encoderVersion, int words, int width, String sourceCrop,
        float[] embedding) {
    public static final String TENSOR = "embedding";
    public static final String FORMAT = "dreamid-identity/1";

    public IdentityFile {
        if (embedding.length != words * width) {
            throw new IllegalArgumentException("embedding has " + embedding.length + " values, expected words x width = "
                    + words + " x " + width);
        }
    }

    public byte[] toBytes() {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put("identityId", identityId);
        metadata.put("encoderVersion", encoderVersion);
        metadata.put("words", Integer.toString(words));
        metadata.put("width", Integer.toString(width));
        metadata.put("sourceCrop", sourceCrop);
        return Safetensors.write(Map.of(TENSOR, new FloatTensor(new long[] {words, width}, embedding)), metadata);
    }

    /**
     * Reads and checks a stored identity.
     *
     * @throws IllegalArgumentException naming what is wrong, when the bytes are not a valid identity file
     */
    public static IdentityFile read(byte[] bytes) {
        SafetensorsFile file;
        try {
            file = Safetensors.read(bytes);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a safetensors file: " + e.getMessage(), e);
        }
        Map<String, String> meta = file.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new IllegalArgumentException("metadata format is " + meta.get("format") + ", expected " + FORMAT);
        }
        if (!file.contains(TENSOR)) {
            throw new IllegalArgumentException("no tensor " + TENSOR + " (it has " + file.names() + ")");
        }
        int words = intField(meta, "words");
        int width = intField(meta, "width");
        long[] shape = file.shape(TENSOR);
        if (shape.length != 2 || shape[0] != words || shape[1] != width) {
            throw new IllegalArgumentException(TENSOR + " has shape " + Arrays.toString(shape) + " but the metadata says "
                    + words + " x " + width);
        }
        String version = meta.get("encoderVersion");
        if (version == null || version.isEmpty()) {
            throw new IllegalArgumentException("metadata has no encoderVersion");
        }
        return new IdentityFile(meta.get("identityId"), version, words, width, meta.get("sourceCrop"),
                file.floats(TENSOR));
    }

    private static int intField(Map<String, String> meta, String field) {
        try {
            int value = Integer.parseInt(meta.getOrDefault(field, ""));
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the value found
        }
        throw new IllegalArgumentException("metadata " + field + " must be a positive integer, got " + meta.get(field));
    }
}
