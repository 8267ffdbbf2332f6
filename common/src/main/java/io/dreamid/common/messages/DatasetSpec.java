package io.dreamid.common.messages;

import java.util.ArrayList;
import java.util.List;

/**
 * What a self-augmented editability dataset build asks for (issue 16): for every name, {@code portraitsPerName}
 * portraits from {@code portraitPrompt} and {@code imagesPerEdit} images of every edit prompt, each prompt with the
 * name in place of {@link #NAME}; then the portraits with exactly one face are paired with the edited images whose
 * face is within {@code maxDistance} of the portrait's. Fields left null take the defaults of
 * {@link #withDefaults()}.
 *
 * @param names            the people, as the text-to-image model knows them (public figures it renders consistently)
 * @param editPrompts      templates with {@link #NAME} once, e.g. {@code "{name} as a chef"}
 * @param portraitPrompt   the portrait template with {@link #NAME} once
 * @param portraitsPerName portraits generated per name (the encoder's input faces)
 * @param imagesPerEdit    images generated per name and edit prompt
 * @param width            image width of every generation, a multiple of 16
 * @param height           image height, a multiple of 16
 * @param steps            denoising steps
 * @param scheduler        sampler, one of {@link JobSpec#SCHEDULERS}; null takes the bundle's own
 * @param guidanceScale    classifier-free guidance scale
 * @param seed             the build's seed; every generation's seed is derived from it
 * @param maxDistance      the largest face distance (dlib's descriptor, euclidean) from an edited image to its portrait
 *                         that keeps the pair
 */
public record DatasetSpec(
        List<String> names,
        List<String> editPrompts,
        String portraitPrompt,
        Integer portraitsPerName,
        Integer imagesPerEdit,
        Integer width,
        Integer height,
        Integer steps,
        String scheduler,
        Double guidanceScale,
        Long seed,
        Double maxDistance) {

    /** Where the name goes in a prompt template. */
    public static final String NAME = "{name}";
    public static final int MAX_NAMES = 1000;
    public static final int MAX_NAME_CHARS = 100;
    public static final int MAX_EDIT_PROMPTS = 50;
    public static final String DEFAULT_PORTRAIT_PROMPT = "a close-up photo of the face of {name}, looking at the camera";
    public static final int DEFAULT_PER_NAME = 1;
    public static final double DEFAULT_MAX_DISTANCE = 0.6;
    public static final double MAX_DISTANCE = 2.0;

    /** This spec with every absent optional field set to its default (the seed stays as given). */
    public DatasetSpec withDefaults() {
        return new DatasetSpec(
                names == null ? List.of() : List.copyOf(names),
                editPrompts == null ? List.of() : List.copyOf(editPrompts),
                portraitPrompt == null ? DEFAULT_PORTRAIT_PROMPT : portraitPrompt,
                portraitsPerName == null ? DEFAULT_PER_NAME : portraitsPerName,
                imagesPerEdit == null ? DEFAULT_PER_NAME : imagesPerEdit,
                width == null ? JobSpec.DEFAULT_SIZE : width,
                height == null ? JobSpec.DEFAULT_SIZE : height,
                steps == null ? JobSpec.DEFAULT_STEPS : steps,
                scheduler,
                guidanceScale == null ? JobSpec.DEFAULT_GUIDANCE : guidanceScale,
                seed,
                maxDistance == null ? DEFAULT_MAX_DISTANCE : maxDistance);
    }

    public DatasetSpec withSeed(long newSeed) {
        return new DatasetSpec(names, editPrompts, portraitPrompt, portraitsPerName, imagesPerEdit, width, height,
                steps, scheduler, guidanceScale, newSeed, maxDistance);
    }

    /** A template with the name put in. */
    public static String fill(String template, String name) {
        return template.replace(NAME, name);
    }

    /**
     * The spec of one generation job of the build: one prompt, plain text-to-image (the prompt names nobody with a
     * placeholder), with the build's parameters.
     */
    public JobSpec jobSpec(String prompt, int images, long jobSeed) {
        return new JobSpec(List.of(prompt), "", images, steps, guidanceScale, jobSeed, width, height, scheduler, null);
    }

    /** Every rule this spec broke, each a sentence saying what to fix; empty when it is valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (names == null || names.isEmpty()) {
            problems.add("names: give at least one name, e.g. [\"Ada Lovelace\"]");
        } else {
            if (names.size() > MAX_NAMES) {
                problems.add("names: at most " + MAX_NAMES + " names per build, got " + names.size());
            }
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(i);
                if (n == null || n.isBlank()) {
                    problems.add("names[" + i + "]: the name is empty");
                } else if (n.length() > MAX_NAME_CHARS) {
                    problems.add("names[" + i + "]: at most " + MAX_NAME_CHARS + " characters, got " + n.length());
                } else if (n.contains("{") || n.contains("}")) {
                    problems.add("names[" + i + "]: a name may not contain braces, got \"" + n + "\"");
                }
            }
        }
        if (editPrompts == null || editPrompts.isEmpty()) {
            problems.add("editPrompts: give at least one edit prompt with " + NAME + ", e.g. \"" + NAME
                    + " as a chef\"");
        } else {
            if (editPrompts.size() > MAX_EDIT_PROMPTS) {
                problems.add("editPrompts: at most " + MAX_EDIT_PROMPTS + ", got " + editPrompts.size());
            }
            for (int i = 0; i < editPrompts.size(); i++) {
                checkTemplate("editPrompts[" + i + "]", editPrompts.get(i), problems);
            }
        }
        if (portraitPrompt != null) {
            checkTemplate("portraitPrompt", portraitPrompt, problems);
        }
        checkCount("portraitsPerName", portraitsPerName, problems);
        checkCount("imagesPerEdit", imagesPerEdit, problems);
        checkSize("width", width, problems);
        checkSize("height", height, problems);
        if (maxDistance != null && (maxDistance.isNaN() || maxDistance <= 0 || maxDistance > MAX_DISTANCE)) {
            problems.add("maxDistance: must be above 0 and at most " + MAX_DISTANCE + " (dlib's same-person threshold is"
                    + " 0.6), got " + maxDistance);
        }
        // The generation parameters follow the job rules; one probe prompt stands for every job of the build.
        new JobSpec(List.of("a probe"), "", null, steps, guidanceScale, seed, null, null, scheduler, null)
                .problems(false).forEach(problems::add);
        return problems;
    }

    private static void checkTemplate(String field, String template, List<String> problems) {
        if (template == null || template.isBlank()) {
            problems.add(field + ": the prompt is empty");
            return;
        }
        int count = template.split(java.util.regex.Pattern.quote(NAME), -1).length - 1;
        if (count != 1) {
            problems.add(field + ": put " + NAME + " once where the person's name goes, found it " + count + " times in \""
                    + template + "\"");
        }
        if (!Placeholders.find(template).isEmpty() || Placeholders.malformed(template) != null) {
            problems.add(field + ": a dataset prompt names its person with " + NAME + ", not {id}");
        }
        if (template.length() + MAX_NAME_CHARS > JobSpec.MAX_PROMPT_CHARS) {
            problems.add(field + ": at most " + (JobSpec.MAX_PROMPT_CHARS - MAX_NAME_CHARS) + " characters, got "
                    + template.length());
        }
    }

    private static void checkCount(String field, Integer value, List<String> problems) {
        if (value != null && (value < 1 || value > JobSpec.MAX_IMAGES_PER_PROMPT)) {
            problems.add(field + ": must be between 1 and " + JobSpec.MAX_IMAGES_PER_PROMPT + ", got " + value);
        }
    }

    private static void checkSize(String field, Integer value, List<String> problems) {
        if (value != null && (value < JobSpec.MIN_SIZE || value > JobSpec.MAX_SIZE || value % 16 != 0)) {
            problems.add(field + ": must be a multiple of 16 (the trainer's rule) between " + JobSpec.MIN_SIZE + " and "
                    + JobSpec.MAX_SIZE + ", got " + value);
        }
    }
}
