package io.dreamid.common.image;

/**
 * What the header of an image says, read without decoding its pixels.
 *
 * @param format      {@code jpeg}, {@code png}, {@code bmp}, {@code gif} or {@code webp}
 * @param width       width as displayed, i.e. after the EXIF orientation is applied (the width {@link
 *                    SafeImageDecoder#decode} returns)
 * @param height      height as displayed
 * @param orientation the EXIF orientation, 1..8 (1 when the image has none)
 * @param mimeType    e.g. {@code image/jpeg}
 * @param extension   the usual file extension without the dot, e.g. {@code jpg}
 */
public record ImageHeader(String format, int width, int height, int orientation, String mimeType, String extension) {
}
