package io.dreamid.face.dataset;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.messages.DatasetMessage;
import io.dreamid.common.messages.DatasetSpec;
import io.dreamid.common.messages.JobMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * The generation jobs of a dataset build, derived from its message alone: for name {@code n} a portrait job (slot 0)
 * and one job per edit prompt (slot {@code e + 1}), each a plain text-to-image job of one prompt. Job ids and seeds
 * come from the dataset id and the job's index, so a build that is restarted names (and finds) the very same jobs
 * and object keys, and a job sent twice is a redelivery the stages already handle.
 *
 * @param generations in order: name by name, the portrait job first
 */
public record DatasetPlan(DatasetMessage message, DatasetSpec spec, List<Generation> generations) {
    /** Seeds of consecutive jobs are this far apart: image {@code i} of a job is noised with seed + i (i below 8). */
    static final long SEED_STRIDE = 1000;
    private static final long SEED_RANGE = 1L << 31;

    /**
     * One generation job of the build.
     *
     * @param edit      the edit prompt's index, -1 for the portrait job
     * @param template  the prompt template ({@code {name}} in it)
     * @param outputs   the object keys its images will have, in image order
     */
    public record Generation(int index, int name, int edit, String template, JobMessage job, List<String> outputs) {
        public boolean portrait() {
            return edit < 0;
        }

        public String jobId() {
            return job.jobId();
        }

        /** The noise seed of image {@code image} (what the diffusion stage seeds it with). */
        public long seedOf(int image) {
            return job.spec().seed() + image;
        }
    }

    public static DatasetPlan of(DatasetMessage message) {
        DatasetSpec spec = message.spec().withDefaults();
        List<Generation> generations = new ArrayList<>();
        int slots = spec.editPrompts().size() + 1;
        for (int n = 0; n < spec.names().size(); n++) {
            String name = spec.names().get(n);
            for (int slot = 0; slot < slots; slot++) {
                int index = n * slots + slot;
                int edit = slot - 1;
                String template = edit < 0 ? spec.portraitPrompt() : spec.editPrompts().get(edit);
                int images = edit < 0 ? spec.portraitsPerName() : spec.imagesPerEdit();
                String jobId = DatasetMessage.jobIdOf(message.datasetId(), index);
                long seed = Math.floorMod(spec.seed() + SEED_STRIDE * index, SEED_RANGE);
                JobMessage job = JobMessage.of(jobId, message.tenant(), message.createdAt(), null, null,
                        spec.jobSpec(DatasetSpec.fill(template, name), images, seed));
                List<String> outputs = new ArrayList<>();
                for (int i = 0; i < images; i++) {
                    outputs.add(ObjectKeys.output(jobId, 0, i));
                }
                generations.add(new Generation(index, n, edit, template, job, List.copyOf(outputs)));
            }
        }
        return new DatasetPlan(message, spec, List.copyOf(generations));
    }

    public int images() {
        return generations.stream().mapToInt(g -> g.outputs().size()).sum();
    }
}
