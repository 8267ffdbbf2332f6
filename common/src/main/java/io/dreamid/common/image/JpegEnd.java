package io.dreamid.common.image;

/**
 * Whether a JPEG is complete. ImageIO's JPEG readers decode a truncated file without an error (they only warn
 * and fill the missing rows with grey; a progressive JPEG cut between two scans decodes as a blurred whole image
 * without even a warning), so the decoder checks this before decoding. A complete
 * JPEG has its end-of-image marker (FF D9) after its last start-of-scan marker (FF DA); entropy-coded data cannot
 * contain either (an FF there is always followed by 00 or a restart marker), and an EXIF thumbnail's own markers
 * come before the main image's scans.
 */
final class JpegEnd {
    private JpegEnd() {
    }

    static boolean isComplete(byte[] jpeg) {
        int lastScan = -1;
        int lastEnd = -1;
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if (jpeg[i] == (byte) 0xFF) {
                byte marker = jpeg[i + 1];
                if (marker == (byte) 0xDA) {
                    lastScan = i;
                } else if (marker == (byte) 0xD9) {
                    lastEnd = i;
                }
            }
        }
        return lastScan >= 0 && lastEnd > lastScan;
    }
}
