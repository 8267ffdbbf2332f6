package io.dreamid.face.pipeline;

import io.dreamid.common.image.Png;
import io.dreamid.face.align.FaceAligner;
import io.dreamid.face.detect.Detection;
import io.dreamid.face.detect.DetectionResult;

import java.util.Map;

/**
 * The outcome of one photo: every face, the chosen one refined, its aligned crop and the crop as PNG, and the
 * chosen face on the 150x150 chip of the face recognition network ({@link io.dreamid.face.align.DlibChip}).
 *
 * @param timings milliseconds per step: {@code face.decode}, {@code face.detect}, {@code face.align},
 *                {@code face.encode}
 */
public record FaceAnalysis(
        int width,
        int height,
        DetectionResult detections,
        int chosenIndex,
        Detection chosen,
        FaceAligner.AlignedFace aligned,
        FaceAligner.AlignedFace recognitionChip,
        byte[] cropPng,
        FaceRecord record,
        Map<String, Long> timings) {

    /**
     * The chosen face's 150x150 recognition chip as PNG (text chunk {@code dreamid:face = dlib-chip-150}): what the
     * face stage stores beside an input's aligned crop and a dataset build beside a portrait's, the image an encoder
     * bundle with {@code crop: dlib-chip} reads.
     */
    public byte[] chipPng() {
        return Png.encode(recognitionChip.crop(), Map.of("dreamid:face", "dlib-chip-150"));
    }
}
