package io.dreamid.face.messaging;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.messages.IdentityScore;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The judge's choice among the candidates of each image of a {@code bestOf} job (keys
 * {@code outputs/{jobId}/{prompt}-{image}-c{k}.png}): the candidate whose face is nearest the person's becomes the
 * image. Ties go to the lower candidate number; when no candidate has a face, candidate 0 is chosen (the image that
 * bestOf 1 would have given, so a job whose images show no face, e.g. from the tiny test bundle, keeps it).
 */
final class BestOf {
    private static final Comparator<Map.Entry<String, IdentityScore>> NEAREST_FIRST = Comparator
            .comparing((Map.Entry<String, IdentityScore> e) -> !e.getValue().faceFound())
            .thenComparing(e -> e.getValue().faceFound() ? e.getValue().distance() : 0.0)
            .thenComparing(e -> ObjectKeys.outputName(e.getKey()).candidate());

    private BestOf() {
    }

    /**
     * The scores with {@code chosen} set on every candidate: true on the one chosen for its image, false on the
     * others. Keys that are not candidates are returned as they are; the order of the keys is kept.
     */
    static Map<String, IdentityScore> choose(Map<String, IdentityScore> scores) {
        Map<List<Integer>, List<Map.Entry<String, IdentityScore>>> images = scores.entrySet().stream()
                .filter(e -> isCandidate(e.getKey()))
                .collect(Collectors.groupingBy(e -> {
                    ObjectKeys.OutputName name = ObjectKeys.outputName(e.getKey());
                    return List.of(name.prompt(), name.image());
                }));
        Map<String, Boolean> chosen = new LinkedHashMap<>();
        for (List<Map.Entry<String, IdentityScore>> candidates : images.values()) {
            String best = candidates.stream().min(NEAREST_FIRST).orElseThrow().getKey();
            candidates.forEach(c -> chosen.put(c.getKey(), c.getKey().equals(best)));
        }
        Map<String, IdentityScore> out = new LinkedHashMap<>();
        scores.forEach((key, score) -> out.put(key, chosen.containsKey(key) ? score.asCandidate(chosen.get(key))
                : score));
        return out;
    }

    private static boolean isCandidate(String key) {
        ObjectKeys.OutputName name = ObjectKeys.outputName(key);
        return name != null && name.candidate() != null;
    }
}
