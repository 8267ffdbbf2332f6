package io.dreamid.common.tensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N
 * bytes of UTF-8 JSON ({@code "name": {"dtype", "shape", "data_offsets": [begin, end]}} per tensor, plus an optional
 * {@code "__metadata__"} map of strings), padded with spaces to a multiple of 8, then the tensors' little-endian
 * bytes back to back, offsets counted from the end of the header.
 *
 * <p>The writer produces the bytes the reference implementation does: compact JSON, {@code __metadata__} first,
 * tensors ordered by descending dtype alignment then by name (UTF-8 byte order). The format leaves the order of
 * metadata keys open; this writer sorts them, so that the same input always gives the same bytes.
 */
public final class Safetensors {
    /** The reference implementation's limit; a larger header is a damaged or hostile file. */
    static final int MAX_HEADER_BYTES = 100_000_000;
    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper STRICT = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());
    private static final Comparator<String> UTF8_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private Safetensors() {
    }

    /** Float32 tensors and string metadata (may be null or empty: then no {@code __metadata__} is written). */
    public static byte[] write(Map<String, FloatTensor> tensors, Map<String, String> metadata) {
        if (tensors == null) {
            throw new IllegalArgumentException("tensors are required (an empty map writes an empty file)");
        }
        List<String> names = new ArrayList<>(tensors.keySet());
        // All tensors are F32, so the reference order (alignment, then name) is the name order.
        names.sort(UTF8_ORDER);
        StringBuilder json = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            json.append('"').append(METADATA_KEY).append("\":{");
            boolean first = true;
            for (Map.Entry<String, String> entry : sortedByUtf8(metadata).entrySet()) {
                json.append(first ? "" : ",");
                appendString(json, entry.getKey()).append(':');
                appendString(json, entry.getValue());
                first = false;
            }
            json.append('}');
            if (!names.isEmpty()) {
                json.append(',');
            }
        }
        long offset = 0;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException(METADATA_KEY + " is reserved and cannot name a tensor");
            }
            FloatTensor tensor = tensors.get(name);
            if (tensor == null) {
                throw new IllegalArgumentException("tensor \"" + name + "\" is null");
            }
            long bytes = (long) tensor.data().length * Dtype.F32.size;
            json.append(i == 0 ? "" : ",");
            appendString(json, name).append(":{\"dtype\":\"F32\",\"shape\":[");
            long[] shape = tensor.shape();
            for (int d = 0; d < shape.length; d++) {
                json.append(d == 0 ? "" : ",").append(shape[d]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        json.append('}');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensors too large for one in-memory file: " + total + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(header);
        for (int i = header.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (String name : names) {
            out.asFloatBuffer().put(tensors.get(name).data());
            out.position(out.position() + tensors.get(name).data().length * Dtype.F32.size);
        }
        return out.array();
    }

    /** Parses and checks a whole file held in memory; tensor values are decoded when asked for. */
    public static SafetensorsFile read(byte[] bytes) {
        if (bytes == null || bytes.length < 8) {
            throw new SafetensorsException("not a safetensors file: " + (bytes == null ? 0 : bytes.length)
                    + " bytes, but the format starts with an 8-byte header length");
        }
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsException("not a safetensors file: the header length field says "
                    + Long.toUnsignedString(headerLength) + " bytes (at most " + MAX_HEADER_BYTES + " allowed)");
        }
        if (8 + headerLength > bytes.length) {
            throw new SafetensorsException("truncated safetensors file: the header needs " + headerLength
                    + " bytes after the length field, the file has " + (bytes.length - 8));
        }
        int dataStart = 8 + (int) headerLength;
        JsonNode header = parseHeader(bytes, (int) headerLength);

        Map<String, String> metadata = new LinkedHashMap<>();
        List<SafetensorsFile.Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(field.getValue(), metadata);
            } else {
                entries.add(readEntry(field.getKey(), field.getValue()));
            }
        }
        entries.sort(Comparator.comparingLong(SafetensorsFile.Entry::begin).thenComparingLong(SafetensorsFile.Entry::end));
        long expected = 0;
        for (SafetensorsFile.Entry e : entries) {
            if (e.begin() != expected) {
                throw new SafetensorsException("inconsistent safetensors file: tensor \"" + e.name() + "\" starts at "
                        + e.begin() + " but the previous tensor ends at " + expected
                        + " (tensors must cover the data without gaps or overlaps)");
            }
            long needed = Math.multiplyExact(FloatTensor.elementCount(e.shape()), (long) e.dtype().size);
            if (e.end() - e.begin() != needed) {
                throw new SafetensorsException("inconsistent safetensors file: tensor \"" + e.name() + "\" is "
                        + e.dtype() + " " + Arrays.toString(e.shape()) + ", which takes " + needed
                        + " bytes, but its data_offsets span " + (e.end() - e.begin()));
            }
            expected = e.end();
        }
        long available = bytes.length - (long) dataStart;
        if (expected > available) {
            throw new SafetensorsException("truncated safetensors file: the header describes " + expected
                    + " bytes of tensor data, the file has " + available);
        }
        if (expected < available) {
            throw new SafetensorsException("inconsistent safetensors file: " + (available - expected)
                    + " bytes after the last tensor that no tensor describes");
        }
        return new SafetensorsFile(bytes, dataStart, entries, metadata);
    }

    /** Reads a file from disk (at most 2 GB, the size of one Java array). */
    public static SafetensorsFile read(Path path) {
        try {
            long size = Files.size(path);
            if (size > Integer.MAX_VALUE - 8) {
                throw new SafetensorsException(path + " is " + size + " bytes; files over 2 GB are not supported");
            }
            return read(Files.readAllBytes(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        } catch (SafetensorsException e) {
            throw new SafetensorsException(path + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode parseHeader(byte[] bytes, int length) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 8, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException("not a safetensors file: the header is not UTF-8", e);
        }
        JsonNode header;
        try {
            header = STRICT.readTree(text);
        } catch (IOException e) {
            String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
            throw new SafetensorsException("not a safetensors file: the header is not valid JSON (" + message + ")",
                    e);
        }
        if (header == null || !header.isObject()) {
            throw new SafetensorsException("not a safetensors file: the header is not a JSON object");
        }
        return header;
    }

    private static void readMetadata(JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw new SafetensorsException("invalid safetensors header: " + METADATA_KEY
                    + " must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getValue().isTextual()) {
                throw new SafetensorsException("invalid safetensors header: " + METADATA_KEY + "[\"" + field.getKey()
                        + "\"] must be a string, got " + field.getValue().getNodeType());
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
    }

    private static SafetensorsFile.Entry readEntry(String name, JsonNode node) {
        String where = "invalid safetensors header: tensor \"" + name + "\"";
        if (!node.isObject()) {
            throw new SafetensorsException(where + " must be an object with dtype, shape and data_offsets");
        }
        JsonNode dtype = node.get("dtype");
        JsonNode shape = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) {
            throw new SafetensorsException(where + " has no dtype string");
        }
        if (shape == null || !shape.isArray()) {
            throw new SafetensorsException(where + " has no shape array");
        }
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new SafetensorsException(where + " needs data_offsets [begin, end]");
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = nonNegative(shape.get(i), where + " shape[" + i + "]");
        }
        long begin = nonNegative(offsets.get(0), where + " data_offsets[0]");
        long end = nonNegative(offsets.get(1), where + " data_offsets[1]");
        if (end < begin) {
            throw new SafetensorsException(where + " ends (" + end + ") before it begins (" + begin + ")");
        }
        try {
            FloatTensor.elementCount(dims);
        } catch (ArithmeticException e) {
            throw new SafetensorsException(where + " has a shape too large to address: " + Arrays.toString(dims));
        }
        return new SafetensorsFile.Entry(name, Dtype.parse(dtype.textValue(), name), dims, begin, end);
    }

    private static long nonNegative(JsonNode node, String what) {
        if (node == null || !node.canConvertToLong() || !node.isIntegralNumber() || node.longValue() < 0) {
            throw new SafetensorsException(what + " must be a non-negative integer, got " + node);
        }
        return node.longValue();
    }

    private static Map<String, String> sortedByUtf8(Map<String, String> metadata) {
        metadata.forEach((key, value) -> {
            if (key == null || value == null) {
                throw new IllegalArgumentException("metadata keys and values must not be null");
            }
        });
        Map<String, String> sorted = new TreeMap<>(UTF8_ORDER);
        sorted.putAll(metadata);
        return sorted;
    }

    /** A JSON string as serde_json writes it: only quote, backslash and control characters escaped. */
    private static StringBuilder appendString(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\b' -> json.append("\\b");
                case '\f' -> json.append("\\f");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }
}
