package io.dreamid.common.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shared pixel format converts to and from Java images without losing or moving a pixel. */
class RgbImageTest {

    @Test
    void layoutIsInterleavedRgbRowMajor() {
        byte[] rgb = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
        RgbImage image = new RgbImage(3, 2, rgb);

        assertThat(image.rgbAt(0, 0)).isEqualTo(0x010203);
        assertThat(image.rgbAt(2, 0)).isEqualTo(0x070809);
        assertThat(image.rgbAt(0, 1)).isEqualTo(0x0A0B0C);
        BufferedImage buffered = image.toBufferedImage();
        assertThat(buffered.getRGB(1, 1) & 0xFFFFFF).isEqualTo(0x0D0E0F);
        assertThat(RgbImage.fromBufferedImage(buffered).rgb()).isEqualTo(rgb);
    }

    @Test
    void fromBufferedImageCompositesAlphaOnWhite() {
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00123456);
        argb.setRGB(1, 0, 0x80000000);

        RgbImage image = RgbImage.fromBufferedImage(argb);

        assertThat(image.rgbAt(0, 0)).isEqualTo(0xFFFFFF);
        assertThat(image.rgbAt(1, 0)).isEqualTo(0x7F7F7F);
    }

    @Test
    void equalityIsByPixels() {
        RgbImage a = new RgbImage(1, 2, new byte[] {1, 2, 3, 4, 5, 6});

        assertThat(a).isEqualTo(new RgbImage(1, 2, new byte[] {1, 2, 3, 4, 5, 6}));
        assertThat(a).hasSameHashCodeAs(new RgbImage(1, 2, new byte[] {1, 2, 3, 4, 5, 6}));
        assertThat(a).isNotEqualTo(new RgbImage(2, 1, new byte[] {1, 2, 3, 4, 5, 6}));
        assertThat(a).isNotEqualTo(new RgbImage(1, 2, new byte[] {1, 2, 3, 4, 5, 7}));
        assertThat(a).hasToString("RgbImage[1x2]");
    }

    @Test
    void refusesAnArrayOfTheWrongLength() {
        assertThatThrownBy(() -> new RgbImage(2, 2, new byte[11]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected 12 RGB bytes for 2x2, got 11");
    }

    @Test
    void fromBufferedImageLeavesTheCallersImageAsItWas() {
        BufferedImage bgr = new BufferedImage(2, 1, BufferedImage.TYPE_3BYTE_BGR);
        bgr.setRGB(0, 0, 0x102030);
        bgr.setRGB(1, 0, 0xA0B0C0);

        RgbImage rgb = RgbImage.fromBufferedImage(bgr);

        assertThat(rgb.rgbAt(0, 0)).isEqualTo(0x102030);
        assertThat(rgb.rgbAt(1, 0)).isEqualTo(0xA0B0C0);
        assertThat(bgr.getRGB(0, 0) & 0xFFFFFF).as("the source is not converted in place").isEqualTo(0x102030);
        assertThat(bgr.getRGB(1, 0) & 0xFFFFFF).isEqualTo(0xA0B0C0);
    }
}
