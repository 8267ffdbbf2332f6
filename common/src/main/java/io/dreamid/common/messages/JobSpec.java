package io.dreamid.common.messages;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What the user asked for. Carried forward unchanged on every stage message, so no stage has to look
 * anything up. Fields left null take the defaults of {@link #withDefaults()}.
 *
 * @param prompts         one or more prompts; each contains {@link #PLACEHOLDER} exactly once
 * @param negativePrompt  what the images should not show (empty for none)
 * @param imagesPerPrompt images generated for each prompt
 * @param steps           denoising steps
 * @param guidanceScale   classifier-free guidance scale (1 turns guidance off)
 * @param seed            noise seed; the gateway picks one when absent so that a job can be reproduced
 * @param width           image width in pixels, a multiple of 8
 * @param height          image height in pixels, a multiple of 8
 * @param scheduler       sampler name, one of {@link #SCHEDULERS}; null takes the model bundle's own
 * @param face            which face to use when the photo has several: {@code largest}, {@code index:N}
 *                        or {@code fail-if-several}
 * @param identityOnly    true for an identity job: the job ends once the face is encoded (no prompts, no
 *                        images); null or false for a generation job
 * @param people          for a job of several people: each name of a {@code {id:NAME}} placeholder mapped to the
 *                        identityId of that person, or to {@code photo:PART}, the photo the job brings under that
 *                        part name (multipart part {@code photo:PART}); null or empty for a job of one person or none
 * @param bestOf          candidates generated for each requested image (1 to {@link #MAX_BEST_OF}, default 1), each
 *                        from its own seed; the identity judge keeps the one whose face is nearest the person's and
 *                        lists the others as candidates. More than 1 only for a job with a photo or an identity
 */
public record JobSpec(
        List<String> prompts,
        String negativePrompt,
        Integer imagesPerPrompt,
        Integer steps,
        Double guidanceScale,
        Long seed,
        Integer width,
        Integer height,
        String scheduler,
        String face,
        Boolean identityOnly,
        Map<String, String> people,
        Integer bestOf) {

    public JobSpec(List<String> prompts, String negativePrompt, Integer imagesPerPrompt, Integer steps,
            Double guidanceScale, Long seed, Integer width, Integer height, String scheduler, String face,
            Boolean identityOnly, Map<String, String> people) {
        this(prompts, negativePrompt, imagesPerPrompt, steps, guidanceScale, seed, width, height, scheduler, face,
                identityOnly, people, null);
    }

    public JobSpec(List<String> prompts, String negativePrompt, Integer imagesPerPrompt, Integer steps,
            Double guidanceScale, Long seed, Integer width, Integer height, String scheduler, String face,
            Boolean identityOnly) {
        this(prompts, negativePrompt, imagesPerPrompt, steps, guidanceScale, seed, width, height, scheduler, face,
                identityOnly, null);
    }

    /** A spec that generates images (no {@code identityOnly}): the shape every generation job has. */
    public JobSpec(List<String> prompts, String negativePrompt, Integer imagesPerPrompt, Integer steps,
            Double guidanceScale, Long seed, Integer width, Integer height, String scheduler, String face) {
        this(prompts, negativePrompt, imagesPerPrompt, steps, guidanceScale, seed, width, height, scheduler, face, null);
    }

    /**
     * The spec of an identity job ({@code POST /v1/identities}): detect, align and encode the face, store the
     * identity, and end SUCCEEDED with its id; no prompts, no images.
     */
    public static JobSpec identityOnly(String face) {
        return new JobSpec(List.of(), null, null, null, null, null, null, null, null, face, Boolean.TRUE);
    }

    /**
     * Whether a prompt names a person ({@code {id}} or {@code {id:NAME}}): a job without a photo or an identity whose
     * prompts name nobody is a plain text-to-image job.
     */
    public boolean namesAPerson() {
        return !Placeholders.names(prompts).isEmpty();
    }

    /** Whether this is a job of several people ({@code {id:NAME}} placeholders, {@link #people()} given). */
    @JsonIgnore
    public boolean isSeveralPeople() {
        return people != null && !people.isEmpty();
    }

    /** The names of the {@code {id:NAME}} placeholders the prompts use, in order of first use. */
    public Set<String> placeholderNames() {
        Set<String> names = new LinkedHashSet<>(Placeholders.names(prompts));
        names.remove(Placeholders.ONE);
        return names;
    }

    /** The photo part a {@link #people()} value names ({@code photo:PART} gives PART), or null for an identityId. */
    public static String photoPart(String person) {
        return person != null && person.startsWith(PHOTO_PREFIX) ? person.substring(PHOTO_PREFIX.length()) : null;
    }

    /** The photo parts {@link #people()} names ({@code photo:PART} values), sorted. */
    public Set<String> photoParts() {
        Set<String> parts = new TreeSet<>();
        if (people != null) {
            people.values().stream().map(JobSpec::photoPart).filter(p -> p != null).forEach(parts::add);
        }
        return parts;
    }

    /** Whether the job ends once the identity is encoded (see {@link #identityOnly(String)}). */
    @JsonIgnore
    public boolean isIdentityOnly() {
        return Boolean.TRUE.equals(identityOnly);
    }

    public static final String PLACEHOLDER = "{id}";
    /** A {@link #people()} value that names a photo part of the job instead of an identity. */
    public static final String PHOTO_PREFIX = "photo:";
    public static final int MAX_PROMPTS = 8;
    /** People named in one job (each adds K words to the prompts that name them). */
    public static final int MAX_PEOPLE = 8;
    /** An identity id: one safe path segment, as {@code ObjectKeys.isSafeId}. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    public static final int MAX_PROMPT_CHARS = 1000;
    public static final int MAX_IMAGES_PER_PROMPT = 8;
    public static final int MAX_IMAGES_PER_JOB = 32;
    public static final int MAX_BEST_OF = 8;
    /** Images generated for one job, candidates included (prompts x imagesPerPrompt x bestOf). */
    public static final int MAX_GENERATED_PER_JOB = 64;
    public static final int DEFAULT_BEST_OF = 1;
    public static final int MIN_STEPS = 1;
    public static final int MAX_STEPS = 150;
    public static final double MIN_GUIDANCE = 0.0;
    public static final double MAX_GUIDANCE = 30.0;
    public static final int MIN_SIZE = 64;
    public static final int MAX_SIZE = 2048;
    public static final Set<String> SCHEDULERS = Set.of("ddim", "euler", "euler-ancestral", "dpmpp-2m", "pndm");

    public static final int DEFAULT_IMAGES_PER_PROMPT = 1;
    public static final int DEFAULT_STEPS = 30;
    public static final double DEFAULT_GUIDANCE = 7.5;
    public static final int DEFAULT_SIZE = 512;

    /** This spec with every absent optional field set to its default (the seed stays as given). */
    public JobSpec withDefaults() {
        return new JobSpec(
                prompts == null ? List.of() : List.copyOf(prompts),
                negativePrompt == null ? "" : negativePrompt,
                imagesPerPrompt == null ? DEFAULT_IMAGES_PER_PROMPT : imagesPerPrompt,
                steps == null ? DEFAULT_STEPS : steps,
                guidanceScale == null ? DEFAULT_GUIDANCE : guidanceScale,
                seed,
                width == null ? DEFAULT_SIZE : width,
                height == null ? DEFAULT_SIZE : height,
                scheduler,
                face == null ? FaceChoice.LARGEST.toString() : face,
                identityOnly, people, bestOf == null ? DEFAULT_BEST_OF : bestOf);
    }

    public JobSpec withSeed(long newSeed) {
        return new JobSpec(prompts, negativePrompt, imagesPerPrompt, steps, guidanceScale, newSeed, width, height,
                scheduler, face, identityOnly, people, bestOf);
    }

    /**
     * Every rule this spec breaks, each as a sentence that says what to fix; empty when the spec is valid.
     *
     * @param withPerson true for a job with a photo or an identity: every prompt names the person with
     *                   {@link #PLACEHOLDER} once; false for a plain text-to-image job (no photo, no identity):
     *                   no prompt may name a person, there is nobody to put there
     */
    public List<String> problems(boolean withPerson) {
        List<String> problems = new ArrayList<>();
        if (isIdentityOnly()) {
            if (prompts != null && !prompts.isEmpty()) {
                problems.add("prompts: an identityOnly job generates no images; leave prompts out");
            }
        } else if (prompts == null || prompts.isEmpty()) {
            problems.add("prompts: give at least one prompt, e.g. \"a photo of {id} as an astronaut\"");
        } else {
            if (prompts.size() > MAX_PROMPTS) {
                problems.add("prompts: at most " + MAX_PROMPTS + " prompts per job, got " + prompts.size());
            }
            for (int i = 0; i < prompts.size(); i++) {
                String p = prompts.get(i);
                if (p == null || p.isBlank()) {
                    problems.add("prompts[" + i + "]: the prompt is empty");
                    continue;
                }
                if (p.length() > MAX_PROMPT_CHARS) {
                    problems.add("prompts[" + i + "]: at most " + MAX_PROMPT_CHARS + " characters, got " + p.length());
                }
                String malformed = Placeholders.malformed(p);
                if (malformed != null) {
                    problems.add("prompts[" + i + "]: \"" + malformed + "\" is not a placeholder; write {id} for the"
                            + " one person or {id:NAME} with a NAME of " + Placeholders.NAME_RULE);
                }
                int count = countPlaceholders(p);
                if (!withPerson && count > 0 && !placeholderNames().isEmpty()) {
                    problems.add("prompts[" + i + "]: use {id} for a job of one person, or {id:NAME} for each of"
                            + " several; not both in one job");
                } else if (!withPerson && count > 0) {
                    problems.add("prompts[" + i + "]: the placeholder " + PLACEHOLDER + " names a person but the job"
                            + " has no photo and no identity; give one, or leave the placeholder out for a plain"
                            + " text-to-image job");
                } else if (withPerson && !Placeholders.find(p).stream()
                        .allMatch(f -> f.name().equals(Placeholders.ONE))) {
                    problems.add("prompts[" + i + "]: a job with one photo or identity names its person with "
                            + PLACEHOLDER + "; for several people use {id:NAME} with \"people\" and no photo or"
                            + " identityId");
                } else if (withPerson && count == 0) {
                    problems.add("prompts[" + i + "]: put the placeholder " + PLACEHOLDER
                            + " where the person goes, e.g. \"a photo of {id} as an astronaut\"");
                } else if (count > 1) {
                    problems.add("prompts[" + i + "]: use the placeholder " + PLACEHOLDER + " once, found " + count);
                }
            }
        }
        checkPeople(withPerson, problems);
        if (negativePrompt != null && (!Placeholders.find(negativePrompt).isEmpty()
                || Placeholders.malformed(negativePrompt) != null)) {
            problems.add("negativePrompt: the placeholder " + PLACEHOLDER + " names the person in prompts only;"
                    + " describe what the images should not show without it");
        }
        if (negativePrompt != null && negativePrompt.length() > MAX_PROMPT_CHARS) {
            problems.add("negativePrompt: at most " + MAX_PROMPT_CHARS + " characters, got " + negativePrompt.length());
        }
        if (imagesPerPrompt != null && (imagesPerPrompt < 1 || imagesPerPrompt > MAX_IMAGES_PER_PROMPT)) {
            problems.add("imagesPerPrompt: must be between 1 and " + MAX_IMAGES_PER_PROMPT + ", got " + imagesPerPrompt);
        }
        if (prompts != null && imagesPerPrompt != null && prompts.size() * imagesPerPrompt > MAX_IMAGES_PER_JOB) {
            problems.add("at most " + MAX_IMAGES_PER_JOB + " images per job (prompts x imagesPerPrompt), got "
                    + prompts.size() * imagesPerPrompt);
        }
        checkBestOf(withPerson, problems);
        if (steps != null && (steps < MIN_STEPS || steps > MAX_STEPS)) {
            problems.add("steps: must be between " + MIN_STEPS + " and " + MAX_STEPS + ", got " + steps);
        }
        if (guidanceScale != null
                && (guidanceScale.isNaN() || guidanceScale < MIN_GUIDANCE || guidanceScale > MAX_GUIDANCE)) {
            problems.add("guidanceScale: must be between " + MIN_GUIDANCE + " and " + MAX_GUIDANCE + ", got "
                    + guidanceScale);
        }
        if (seed != null && seed < 0) {
            problems.add("seed: must be zero or positive, got " + seed);
        }
        checkSize("width", width, problems);
        checkSize("height", height, problems);
        if (scheduler != null && !SCHEDULERS.contains(scheduler)) {
            problems.add("scheduler: must be one of " + SCHEDULERS.stream().sorted().toList() + ", got \"" + scheduler
                    + "\"");
        }
        if (face != null) {
            try {
                FaceChoice.parse(face);
            } catch (IllegalArgumentException e) {
                problems.add("face: " + e.getMessage());
            }
        }
        return problems;
    }

    private void checkBestOf(boolean withPerson, List<String> problems) {
        if (bestOf == null) {
            return;
        }
        if (bestOf < 1 || bestOf > MAX_BEST_OF) {
            problems.add("bestOf: must be between 1 and " + MAX_BEST_OF + ", got " + bestOf);
            return;
        }
        // The judge compares each candidate with the person's face, or with each person's for a job of several
        // people (then by the image's worst person): only a job that names nobody has nothing to choose by.
        if (bestOf > 1 && !withPerson && (people == null || people.isEmpty())) {
            problems.add("bestOf: choosing the best of several candidates compares each with the faces of the people"
                    + " it shows, and this job names nobody (no photo, identity or people); leave bestOf out");
        }
        int images = (prompts == null ? 0 : prompts.size()) * (imagesPerPrompt == null ? 1 : imagesPerPrompt);
        if (images * bestOf > MAX_GENERATED_PER_JOB) {
            problems.add("at most " + MAX_GENERATED_PER_JOB + " generated images per job (prompts x imagesPerPrompt x"
                    + " bestOf), got " + images * bestOf);
        }
    }

    private void checkPeople(boolean withPerson, List<String> problems) {
        Set<String> used = placeholderNames();
        if (people == null || people.isEmpty()) {
            if (!used.isEmpty()) {
                problems.add("people: the prompts name " + used.stream().map(n -> "{id:" + n + "}").toList()
                        + "; map each name to its identity, e.g. \"people\": {\"" + used.iterator().next()
                        + "\": \"<identityId>\"}");
            }
            return;
        }
        if (withPerson) {
            problems.add("people: a job with a photo or an identityId has one person, named {id}; leave people out,"
                    + " or leave the photo and identityId out and name each person with {id:NAME}");
            return;
        }
        if (people.size() > MAX_PEOPLE) {
            problems.add("people: at most " + MAX_PEOPLE + " people per job, got " + people.size());
        }
        for (Map.Entry<String, String> person : new TreeMap<>(people).entrySet()) {
            if (!Placeholders.isName(person.getKey())) {
                problems.add("people: \"" + person.getKey() + "\" is not a name; use " + Placeholders.NAME_RULE);
            } else if (!used.contains(person.getKey())) {
                problems.add("people." + person.getKey() + ": no prompt names {id:" + person.getKey() + "}; use it"
                        + " in a prompt or leave it out");
            }
            String part = photoPart(person.getValue());
            if (part != null ? !Placeholders.isName(part)
                    : person.getValue() == null || !ID.matcher(person.getValue()).matches()) {
                problems.add("people." + person.getKey() + ": give the identityId of an identity encoded earlier"
                        + " (POST /v1/identities) or photo:PART for the job's photo part PART, got "
                        + (person.getValue() == null ? "null" : "\"" + person.getValue() + "\""));
            }
        }
        for (String name : used) {
            if (!people.containsKey(name)) {
                problems.add("people: no identity for {id:" + name + "}; add \"" + name + "\": \"<identityId>\"");
            }
        }
    }

    private static void checkSize(String name, Integer value, List<String> problems) {
        if (value == null) {
            return;
        }
        if (value < MIN_SIZE || value > MAX_SIZE || value % 8 != 0) {
            problems.add(name + ": must be a multiple of 8 between " + MIN_SIZE + " and " + MAX_SIZE + ", got " + value);
        }
    }

    static int countPlaceholders(String prompt) {
        int count = 0;
        for (int at = prompt.indexOf(PLACEHOLDER); at >= 0; at = prompt.indexOf(PLACEHOLDER, at + 1)) {
            count++;
        }
        return count;
    }
}
