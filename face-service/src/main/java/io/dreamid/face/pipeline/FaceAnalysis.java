package io.dreamid.face.pipeline;

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
}
