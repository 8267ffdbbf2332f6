package io.dreamid.common.messages;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every rule of a job spec is checked, and each broken rule is reported in words that say what to fix. */
class JobSpecTest {
    private static final JobSpec VALID = new JobSpec(List.of("a photo of {id} as an astronaut"), "blurry", 2, 30,
            7.5, 42L, 512, 768, "ddim", "index:1");

    private static JobSpec with(java.util.function.UnaryOperator<List<Object>> change) {
        List<Object> f = new ArrayList<>(List.of(VALID.prompts(), VALID.negativePrompt(), VALID.imagesPerPrompt(),
                VALID.steps(), VALID.guidanceScale(), VALID.seed(), VALID.width(), VALID.height(), VALID.scheduler(),
                VALID.face()));
        f = change.apply(f);
        @SuppressWarnings("unchecked")
        List<String> prompts = (List<String>) f.get(0);
        return new JobSpec(prompts, (String) f.get(1), (Integer) f.get(2), (Integer) f.get(3), (Double) f.get(4),
                (Long) f.get(5), (Integer) f.get(6), (Integer) f.get(7), (String) f.get(8), (String) f.get(9));
    }

    private static JobSpec set(int field, Object value) {
        return with(f -> {
            f.set(field, value);
            return f;
        });
    }

    @Test
    void aValidSpecHasNoProblems() {
        assertThat(VALID.problems(true)).isEmpty();
        assertThat(new JobSpec(List.of("a photo of {id}"), null, null, null, null, null, null, null, null, null)
                .problems(true)).isEmpty();
    }

    @Test
    void identityPromptsNeedThePlaceholder() {
        JobSpec spec = set(0, List.of("a photo of {id}", "an astronaut on the moon"));

        assertThat(spec.problems(true)).containsExactly("prompts[1]: put the placeholder {id} where the person goes, "
                + "e.g. \"a photo of {id} as an astronaut\"");
        assertThat(set(0, List.of("an astronaut on the moon")).problems(false)).as("plain text-to-image prompts")
                .isEmpty();
    }

    @Test
    void namedPlaceholdersNeedAnIdentityForEachNameAndNothingElse() {
        JobSpec two = people(List.of("{id:ada} and {id:grace} having tea", "{id:ada} alone, {id:ada} again"),
                Map.of("ada", "a1", "grace", "g2"));
        assertThat(two.problems(false)).isEmpty();
        assertThat(two.placeholderNames()).containsExactly("ada", "grace");
        assertThat(two.namesAPerson()).isTrue();
        assertThat(two.isSeveralPeople()).isTrue();

        assertThat(people(List.of("{id:ada} and {id:grace}"), Map.of("ada", "a1")).problems(false))
                .containsExactly("people: no identity for {id:grace}; add \"grace\": \"<identityId>\"");
        assertThat(people(List.of("{id:ada}"), Map.of("ada", "a1", "bob", "b1")).problems(false))
                .containsExactly("people.bob: no prompt names {id:bob}; use it in a prompt or leave it out");
        assertThat(people(List.of("{id:ada}"), null).problems(false)).singleElement().asString()
                .startsWith("people: the prompts name [{id:ada}]");
        assertThat(people(List.of("{id:ada}"), Map.of("ada", "../x")).problems(false)).singleElement().asString()
                .startsWith("people.ada: give the identityId");
        assertThat(people(List.of("{id} with {id:ada}"), Map.of("ada", "a1")).problems(false)).singleElement()
                .asString().contains("not both");
        assertThat(people(List.of("{id:ada}"), Map.of("ada", "a1")).problems(true)).hasSize(2)
                .anyMatch(p -> p.startsWith("people: a job with a photo or an identityId has one person"));
        assertThat(people(List.of("{id:a b} at sea"), Map.of()).problems(false)).singleElement().asString()
                .startsWith("prompts[0]: \"{id:a b}\" is not a placeholder");
    }

    @Test
    void aPersonMayBeAPhotoPartOfTheJob() {
        JobSpec mixed = people(List.of("{id:ada} and {id:grace} having tea"), Map.of("ada", "photo:ada",
                "grace", "g2"));
        assertThat(mixed.problems(false)).isEmpty();
        assertThat(mixed.photoParts()).containsExactly("ada");
        assertThat(JobSpec.photoPart("photo:ada")).isEqualTo("ada");
        assertThat(JobSpec.photoPart("g2")).isNull();
        assertThat(people(List.of("{id:ada}"), Map.of("ada", "photo:a/b")).problems(false)).singleElement()
                .asString().startsWith("people.ada: give the identityId of an identity encoded earlier"
                        + " (POST /v1/identities) or photo:PART");
    }

    @Test
    void theNegativePromptNamesNobody() {
        JobSpec spec = new JobSpec(List.of("{id:ada}"), "{id:ada} frowning", null, null, null, null, null, null, null,
                null, null, Map.of("ada", "a1"));
        assertThat(spec.problems(false)).singleElement().asString().startsWith("negativePrompt:");
    }

    private static JobSpec people(List<String> prompts, Map<String, String> people) {
        return new JobSpec(prompts, null, null, null, null, null, null, null, null, null, null, people);
    }

    @Test
    void aTextOnlyJobNamesNobody() {
        assertThat(set(0, List.of("an astronaut", "a photo of {id}")).problems(false)).containsExactly(
                "prompts[1]: the placeholder {id} names a person but the job has no photo and no identity; give one,"
                        + " or leave the placeholder out for a plain text-to-image job");
    }

    @Test
    void thePlaceholderIsUsedOnce() {
        assertThat(set(0, List.of("{id} and {id}")).problems(true))
                .containsExactly("prompts[0]: use the placeholder {id} once, found 2");
    }

    @Test
    void stepsOutsideOneTo150AreRefused() {
        assertThat(set(3, 0).problems(true)).containsExactly("steps: must be between 1 and 150, got 0");
        assertThat(set(3, 10000).problems(true)).containsExactly("steps: must be between 1 and 150, got 10000");
        assertThat(set(3, 1).problems(true)).isEmpty();
        assertThat(set(3, 150).problems(true)).isEmpty();
    }

    @Test
    void sizesAreMultiplesOf8Within64To2048() {
        assertThat(set(6, 500).problems(true))
                .containsExactly("width: must be a multiple of 8 between 64 and 2048, got 500");
        assertThat(set(7, 4096).problems(true))
                .containsExactly("height: must be a multiple of 8 between 64 and 2048, got 4096");
        assertThat(set(7, 56).problems(true)).hasSize(1);
        assertThat(set(6, 64).problems(true)).isEmpty();
        assertThat(set(6, 2048).problems(true)).isEmpty();
    }

    @Test
    void promptsAreRequiredAndBounded() {
        assertThat(set(0, null).problems(true)).singleElement().asString().startsWith("prompts: give at least one");
        assertThat(set(0, List.of()).problems(true)).singleElement().asString().startsWith("prompts: give at least");
        assertThat(set(0, Collections.nCopies(9, "{id}")).problems(true))
                .contains("prompts: at most 8 prompts per job, got 9");
        assertThat(set(0, List.of(" ")).problems(true)).containsExactly("prompts[0]: the prompt is empty");
        assertThat(set(0, List.of("{id} " + "x".repeat(1000))).problems(true))
                .containsExactly("prompts[0]: at most 1000 characters, got 1005");
        assertThat(set(1, "n".repeat(1001)).problems(true))
                .containsExactly("negativePrompt: at most 1000 characters, got 1001");
    }

    @Test
    void theNegativePromptCannotNameThePerson() {
        // It would otherwise pass every check and fail at the last stage, after detection and encoding.
        assertThat(set(1, "{id} blurry").problems(true)).singleElement().asString()
                .startsWith("negativePrompt: the placeholder {id} names the person in prompts only");
        assertThat(set(1, "blurry, id").problems(true)).isEmpty();
    }

    @Test
    void imageCountsAreBounded() {
        assertThat(set(2, 0).problems(true)).containsExactly("imagesPerPrompt: must be between 1 and 8, got 0");
        assertThat(set(2, 9).problems(true)).contains("imagesPerPrompt: must be between 1 and 8, got 9");
        JobSpec tooMany = with(f -> {
            f.set(0, Collections.nCopies(8, "{id}"));
            f.set(2, 5);
            return f;
        });
        assertThat(tooMany.problems(true))
                .containsExactly("at most 32 images per job (prompts x imagesPerPrompt), got 40");
    }

    @Test
    void bestOfIsOneToEightForAJobOfOnePersonWithinTheGenerationBudget() {
        assertThat(bestOf(VALID, 8).problems(true)).isEmpty();
        assertThat(bestOf(VALID, 0).problems(true)).containsExactly("bestOf: must be between 1 and 8, got 0");
        assertThat(bestOf(VALID, 9).problems(true)).containsExactly("bestOf: must be between 1 and 8, got 9");
        JobSpec textOnly = set(0, List.of("a lighthouse at dusk"));
        assertThat(bestOf(textOnly, 1).problems(false)).isEmpty();
        assertThat(bestOf(textOnly, 2).problems(false)).singleElement().asString()
                .startsWith("bestOf: choosing the best of several candidates compares each with the faces of the people");
        JobSpec two = people(List.of("{id:ada} and {id:grace} having tea"), Map.of("ada", "a1", "grace", "photo:g"));
        assertThat(bestOf(two, 3).problems(false)).as("several people: chosen by the worst person's likeness")
                .isEmpty();
        JobSpec many = with(f -> {
            f.set(0, Collections.nCopies(4, "{id}"));
            f.set(2, 8);
            return f;
        });
        assertThat(bestOf(many, 2).problems(true)).isEmpty();
        assertThat(bestOf(many, 3).problems(true))
                .containsExactly("at most 64 generated images per job (prompts x imagesPerPrompt x bestOf), got 96");
    }

    private static JobSpec bestOf(JobSpec s, int n) {
        return new JobSpec(s.prompts(), s.negativePrompt(), s.imagesPerPrompt(), s.steps(), s.guidanceScale(),
                s.seed(), s.width(), s.height(), s.scheduler(), s.face(), s.identityOnly(), s.people(), n);
    }

    @Test
    void otherParametersAreChecked() {
        assertThat(set(4, Double.NaN).problems(true)).singleElement().asString().startsWith("guidanceScale:");
        assertThat(set(4, 30.5).problems(true))
                .containsExactly("guidanceScale: must be between 0.0 and 30.0, got 30.5");
        assertThat(set(5, -1L).problems(true)).containsExactly("seed: must be zero or positive, got -1");
        assertThat(set(8, "fast").problems(true)).containsExactly(
                "scheduler: must be one of [ddim, dpmpp-2m, euler, euler-ancestral, pndm], got \"fast\"");
        assertThat(set(9, "biggest").problems(true)).singleElement().asString()
                .startsWith("face: must be \"largest\", \"index:N\"");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        JobSpec spec = new JobSpec(List.of("no placeholder"), null, 0, 0, -1.0, -5L, 10, 10, "x", "y");

        assertThat(spec.problems(true)).hasSize(9);
    }

    @Test
    void defaultsFillOnlyAbsentFields() {
        JobSpec minimal = new JobSpec(List.of("{id}"), null, null, null, null, null, null, 640, null, null);

        JobSpec filled = minimal.withDefaults();

        assertThat(filled).isEqualTo(new JobSpec(List.of("{id}"), "", 1, 30, 7.5, null, 512, 640, null, "largest",
                null, null, 1));
        assertThat(filled.withSeed(7).seed()).isEqualTo(7L);
    }

    @Test
    void anIdentityJobNeedsNoPromptsButRefusesThem() {
        assertThat(JobSpec.identityOnly(null).problems(true)).isEmpty();
        JobSpec withPrompts = new JobSpec(List.of("a photo of {id}"), null, null, null, null, null, null, null, null,
                null, true);
        assertThat(withPrompts.problems(true)).singleElement().asString().contains("identityOnly")
                .contains("leave prompts out");
        assertThat(JobSpec.identityOnly(null).withDefaults().isIdentityOnly()).isTrue();
        assertThat(new JobSpec(List.of("{id}"), null, null, null, null, null, null, null, null, null).isIdentityOnly())
                .isFalse();
    }
}
