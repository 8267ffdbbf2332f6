package io.dreamid.encoder.service;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Identity ids follow the crop's pixels and the encoder version, not the bytes of the PNG that carries them. */
class IdentityIdsTest {
    private static final RgbImage CROP = pattern(7);

    @Test
    void samePixelsInAnotherPngAreTheSameIdentity() {
        RgbImage plain = SafeImageDecoder.decode(Png.encode(CROP, Map.of()), ImageLimits.DEFAULT);
        RgbImage annotated = SafeImageDecoder.decode(Png.encode(CROP, Map.of("Comment", "re-encoded")),
                ImageLimits.DEFAULT);
        String id = IdentityIds.of(plain, "v1");
        assertThat(IdentityIds.of(annotated, "v1")).isEqualTo(id);
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(ObjectKeys.isSafeId(id)).isTrue();
    }

    @Test
    void anotherEncoderVersionOrAnotherPixelIsAnotherIdentity() {
        String id = IdentityIds.of(CROP, "v1");
        assertThat(IdentityIds.of(CROP, "v2")).isNotEqualTo(id);
        RgbImage changed = pattern(7);
        changed.rgb()[100] ^= 1;
        assertThat(IdentityIds.of(changed, "v1")).isNotEqualTo(id);
    }

    @Test
    void theSizeIsPartOfTheIdentity() {
        byte[] rgb = new byte[2 * 8 * 3];
        assertThat(IdentityIds.of(new RgbImage(2, 8, rgb), "v1")).isNotEqualTo(IdentityIds.of(new RgbImage(8, 2, rgb), "v1"));
    }

    private static RgbImage pattern(int seed) {
        byte[] rgb = new byte[16 * 16 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * seed);
        }
        return new RgbImage(16, 16, rgb);
    }
}
