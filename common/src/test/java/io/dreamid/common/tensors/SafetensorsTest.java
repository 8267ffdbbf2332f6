package io.dreamid.common.tensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Java reader and writer agree byte for byte with files built from the published format by
 * {@code tools/testdata/safetensors_golden.py} (Python struct/json, torch for the 16-bit types), and with the
 * reference implementation's own serialisation examples; damaged files are refused with a reason.
 */
class SafetensorsTest {
    private static final Map<String, String> GOLDEN_METADATA = Map.of(
            "format", "pt",
            "encoder", "tiny-1",
            "prompt", "a \"photo\" of {id}\n\tback\\slash \u00fc \u5199\u771f \u0001");

    private static Map<String, FloatTensor> goldenTensors() {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        tensors.put("words", new FloatTensor(new long[] {2, 4},
                new float[] {0.1f, -0.2f, 0.3f, 1e-8f, 3.4028235e38f, -1.0f, 0.0f, 123.456f}));
        tensors.put("bias", new FloatTensor(new long[] {3}, new float[] {-1.5f, 0.0f, 3.25e-5f}));
        tensors.put("scale", new FloatTensor(new long[] {}, new float[] {0.125f}));
        tensors.put("\u00fcnicode.\u540d", new FloatTensor(new long[] {1}, new float[] {7.0f}));
        tensors.put("empty", new FloatTensor(new long[] {0, 3}, new float[0]));
        return tensors;
    }

    @Test
    void writesTheSameBytesAsTheIndependentPythonWriter() throws IOException {
        byte[] golden = resource("golden_f32.safetensors");

        byte[] written = Safetensors.write(goldenTensors(), GOLDEN_METADATA);

        assertThat(written).isEqualTo(golden);
    }

    @Test
    void readsThePythonWrittenFile() throws IOException {
        SafetensorsFile file = Safetensors.read(resource("golden_f32.safetensors"));

        assertThat(file.metadata()).isEqualTo(GOLDEN_METADATA);
        // data order: ascending names by UTF-8 bytes ("empty" is zero bytes at offset 12, before "scale")
        assertThat(file.names()).containsExactly("bias", "empty", "scale", "words", "\u00fcnicode.\u540d");
        goldenTensors().forEach((name, tensor) -> {
            assertThat(file.dtype(name)).isEqualTo("F32");
            assertThat(file.shape(name)).as(name).isEqualTo(tensor.shape());
            assertThat(file.floats(name)).as(name).isEqualTo(tensor.data());
        });
    }

    @Test
    void widensF16AndBf16ExactlyAsTorchDoes() throws IOException {
        SafetensorsFile file = Safetensors.read(resource("golden_mixed.safetensors"));
        JsonNode expected = new ObjectMapper().readTree(resource("golden_mixed.expected.json"));

        // The reference orders by descending alignment: F32, then BF16, then F16.
        assertThat(file.names()).containsExactly("full", "brain", "half");
        assertThat(file.dtype("half")).isEqualTo("F16");
        assertThat(file.dtype("brain")).isEqualTo("BF16");
        assertThat(file.metadata()).containsOnlyKeys("source");
        for (String name : file.names()) {
            JsonNode values = expected.get(name).get("values");
            float[] want = new float[values.size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = (float) values.get(i).doubleValue();
            }
            long[] shape = new ObjectMapper().convertValue(expected.get(name).get("shape"), long[].class);
            assertThat(file.shape(name)).as(name).isEqualTo(shape);
            // compared bit for bit, so that -0.0 and the subnormals count
            assertThat(bits(file.floats(name))).as(name).isEqualTo(bits(want));
        }
    }

    @Test
    void widensSpecialHalfValues() {
        assertThat(HalfFloats.f16ToFloat((short) 0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(HalfFloats.f16ToFloat((short) 0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(HalfFloats.f16ToFloat((short) 0x7E00)).isNaN();
        assertThat(HalfFloats.f16ToFloat((short) 0x3555)).isEqualTo(0.33325195f);
        assertThat(HalfFloats.f16ToFloat((short) 0x03FF)).isEqualTo(6.097555e-5f);
        assertThat(HalfFloats.bf16ToFloat((short) 0xFF80)).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    /** The byte-exact examples of the reference implementation's own serialisation tests. */
    @Test
    void matchesTheReferenceSerialisationExamples() {
        float[] values = {0, 1, 2, 3, 4, 5};
        byte[] data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putFloat(0).putFloat(1).putFloat(2)
                .putFloat(3).putFloat(4).putFloat(5).array();

        // 64-byte header, already a multiple of 8: no padding
        assertThat(Safetensors.write(Map.of("attn.0", new FloatTensor(new long[] {1, 2, 3}, values)), null))
                .isEqualTo(file("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", data));
        // 65 bytes of JSON padded with 7 spaces to 72
        assertThat(Safetensors.write(Map.of("attn0", new FloatTensor(new long[] {1, 1, 2, 3}, values)), Map.of()))
                .isEqualTo(file("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ",
                        data));
        assertThat(Safetensors.write(Map.of(), null)).isEqualTo(file("{}      ", new byte[0]));
        assertThat(Safetensors.write(Map.of(), Map.of("framework", "pt")))
                .isEqualTo(file("{\"__metadata__\":{\"framework\":\"pt\"}}     ", new byte[0]));
    }

    @Test
    void roundTripsThroughADisk(@TempDir Path dir) throws IOException {
        Path path = dir.resolve("identity.safetensors");
        Files.write(path, Safetensors.write(goldenTensors(), Map.of("k", "v")));

        SafetensorsFile file = Safetensors.read(path);

        assertThat(file.tensor("words")).isEqualTo(goldenTensors().get("words"));
        assertThat(file.metadata()).containsExactly(Map.entry("k", "v"));
    }

    @Test
    void refusesATruncatedFile() throws IOException {
        byte[] golden = resource("golden_f32.safetensors");

        assertThatThrownBy(() -> Safetensors.read(Arrays.copyOf(golden, golden.length - 1)))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("truncated")
                .hasMessageContaining("describes 52 bytes of tensor data, the file has 51");
        assertThatThrownBy(() -> Safetensors.read(Arrays.copyOf(golden, 100)))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("truncated safetensors file: the header needs 424 bytes");
        assertThatThrownBy(() -> Safetensors.read(new byte[] {1, 2, 3}))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("8-byte header length");
    }

    @Test
    void refusesTrailingBytes() throws IOException {
        byte[] golden = resource("golden_f32.safetensors");

        assertThatThrownBy(() -> Safetensors.read(Arrays.copyOf(golden, golden.length + 4)))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("4 bytes after the last tensor");
    }

    @Test
    void refusesInconsistentOffsets() {
        byte[] overlapping = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]);
        byte[] wrongSize = file("{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        byte[] gap = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]);

        assertThatThrownBy(() -> Safetensors.read(overlapping)).hasMessageContaining("\"b\" starts at 4");
        assertThatThrownBy(() -> Safetensors.read(wrongSize))
                .hasMessageContaining("F16 [3], which takes 6 bytes, but its data_offsets span 8");
        assertThatThrownBy(() -> Safetensors.read(gap)).hasMessageContaining("\"a\" starts at 4");
    }

    @Test
    void refusesABadHeader() {
        assertThatThrownBy(() -> Safetensors.read(file("{\"a\":", new byte[0])))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Safetensors.read(file("[1,2]", new byte[0])))
                .hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> Safetensors.read(file("{\"a\":{\"dtype\":\"Q7\",\"shape\":[],\"data_offsets\":[0,0]}}",
                new byte[0]))).hasMessageContaining("unknown dtype \"Q7\"");
        assertThatThrownBy(() -> Safetensors.read(file("{\"__metadata__\":{\"n\":1}}", new byte[0])))
                .hasMessageContaining("must be a string");
        assertThatThrownBy(() -> Safetensors.read(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],"
                + "\"data_offsets\":[0,0]}}", new byte[0]))).hasMessageContaining("non-negative integer");
        assertThatThrownBy(() -> Safetensors.read(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]}}", new byte[8])))
                .hasMessageContaining("Duplicate field 'a'");
        byte[] huge = new byte[16];
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L);
        assertThatThrownBy(() -> Safetensors.read(huge)).hasMessageContaining("18446744073709551615");
    }

    @Test
    void readsOnlyFloatTypesAsFloats() {
        SafetensorsFile file = Safetensors.read(
                file("{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]));

        assertThat(file.dtype("ids")).isEqualTo("I64");
        assertThatThrownBy(() -> file.floats("ids")).hasMessageContaining("only F32, F16 and BF16");
        assertThatThrownBy(() -> file.floats("nope")).hasMessageContaining("no tensor \"nope\"");
    }

    @Test
    void refusesAShapeThatDoesNotFitTheData() {
        assertThatThrownBy(() -> new FloatTensor(new long[] {2, 3}, new float[5]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shape [2, 3] holds 6 values, got 5");
    }

    /** A file with the given JSON as its header (padding included, if any) and data. */
    private static byte[] file(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).put(data).array();
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SafetensorsTest.class.getResourceAsStream("/safetensors/" + name)) {
            assertThat(in).as("test resource " + name + " (tools/testdata/safetensors_golden.py)").isNotNull();
            return in.readAllBytes();
        }
    }
}
