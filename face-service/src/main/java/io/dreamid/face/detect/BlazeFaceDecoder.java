package io.dreamid.face.detect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns BlazeFace's raw outputs into faces, in model-input pixels. Both models have 896 anchors: a 16x16 grid
 * with 2 anchors per cell, then an 8x8 grid with 6, in row-major (y, x, anchor) order; an anchor sits at the centre
 * of its cell. Each anchor regresses 16 numbers: box centre offset (x, y), box size (w, h) and six keypoint
 * offsets, all in input pixels relative to the anchor centre. Overlapping candidates are blended by weighted
 * non-maximum suppression, as MediaPipe does, which is steadier than keeping only the best candidate.
 */
public final class BlazeFaceDecoder {
    /** Overlap above which two candidates are taken as the same face (MediaPipe's value). */
    public static final double NMS_IOU = 0.3;
    private static final int VALUES = 16;

    private BlazeFaceDecoder() {
    }

    /**
     * @param size     the model's input size (128 or 256)
     * @param scores16 512 logits of the 16x16 grid
     * @param scores8  384 logits of the 8x8 grid
     * @param boxes16  512 x 16 regressions of the 16x16 grid
     * @param boxes8   384 x 16 regressions of the 8x8 grid
     * @param minScore candidates below this confidence are dropped before suppression
     */
    public static List<Detection> decode(int size, float[] scores16, float[] scores8, float[] boxes16,
            float[] boxes8, double minScore) {
        List<Detection> candidates = new ArrayList<>();
        collect(size, 16, 2, scores16, boxes16, minScore, candidates);
        collect(size, 8, 6, scores8, boxes8, minScore, candidates);
        return weightedNms(candidates, NMS_IOU);
    }

    private static void collect(int size, int grid, int anchorsPerCell, float[] scores, float[] boxes,
            double minScore, List<Detection> out) {
        int expected = grid * grid * anchorsPerCell;
        if (scores.length != expected || boxes.length != expected * VALUES) {
            throw new IllegalArgumentException("BlazeFace output of the " + grid + "x" + grid + " grid has "
                    + scores.length + " scores and " + boxes.length + " box values, expected " + expected + " and "
                    + expected * VALUES);
        }
        double cell = (double) size / grid;
        for (int i = 0; i < expected; i++) {
            double score = sigmoid(scores[i]);
            if (score < minScore) {
                continue;
            }
            int cellIndex = i / anchorsPerCell;
            double ax = (cellIndex % grid + 0.5) * cell;
            double ay = (cellIndex / grid + 0.5) * cell;
            int o = i * VALUES;
            Box box = Box.centered(ax + boxes[o], ay + boxes[o + 1], boxes[o + 2], boxes[o + 3]);
            double[] k = new double[2 * Landmark.COUNT];
            for (int j = 0; j < Landmark.COUNT; j++) {
                k[2 * j] = ax + boxes[o + 4 + 2 * j];
                k[2 * j + 1] = ay + boxes[o + 5 + 2 * j];
            }
            out.add(new Detection(score, box, k));
        }
    }

    /** Logistic function of a logit clipped to +-100, so that extreme logits cannot overflow. */
    static double sigmoid(float logit) {
        double x = Math.max(-100, Math.min(100, logit));
        return 1 / (1 + Math.exp(-x));
    }

    /**
     * Weighted non-maximum suppression: take the best remaining candidate, average it with every remaining
     * candidate that overlaps it by at least {@code iouThreshold} (weights = scores), keep the best score.
     */
    static List<Detection> weightedNms(List<Detection> candidates, double iouThreshold) {
        List<Detection> remaining = new ArrayList<>(candidates);
        remaining.sort(Comparator.comparingDouble(Detection::score).reversed());
        List<Detection> faces = new ArrayList<>();
        while (!remaining.isEmpty()) {
            Detection best = remaining.get(0);
            double weight = 0;
            double left = 0;
            double top = 0;
            double width = 0;
            double height = 0;
            double[] k = new double[2 * Landmark.COUNT];
            List<Detection> rest = new ArrayList<>();
            for (Detection d : remaining) {
                if (d != best && best.box().iou(d.box()) < iouThreshold) {
                    rest.add(d);
                    continue;
                }
                double w = d.score();
                weight += w;
                left += w * d.box().left();
                top += w * d.box().top();
                width += w * d.box().width();
                height += w * d.box().height();
                for (int j = 0; j < k.length; j++) {
                    k[j] += w * d.keypoints()[j];
                }
            }
            for (int j = 0; j < k.length; j++) {
                k[j] /= weight;
            }
            faces.add(new Detection(best.score(),
                    new Box(left / weight, top / weight, width / weight, height / weight), k));
            remaining = rest;
        }
        return faces;
    }
}
