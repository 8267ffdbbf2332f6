package io.dreamid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The evaluation report: two encoder bundles' runs side by side, means over the images with a face only, a run with
 * no face in any output reported as such (rate 0, no similarity), and the shipped prompt set and bad prompt files.
 */
class EvalReportTest {
    private static final List<PromptSet.Prompt> PROMPTS = List.of(new PromptSet.Prompt("a photo of {id}", "general"),
            new PromptSet.Prompt("{id} on the moon", "places"));

    @Test
    void runsStandSideBySideAndNoFaceIsSaidPlainly(@TempDir Path dir) throws Exception {
        EvalResults results = EvalResults.read(dir);
        results.put(new EvalResults.Run("base", PROMPTS, Map.of(), List.of(
                image("ada", 0, false, null), image("ada", 1, false, null), image("bob", 0, false, null),
                image("bob", 1, false, null)), List.of()));
        results.write(dir);
        // a second run of another label is added later, as ./dreamid eval does for the next --encoder bundle
        EvalResults again = EvalResults.read(dir);
        again.put(new EvalResults.Run("trained", PROMPTS, Map.of(), List.of(
                image("ada", 0, true, 0.9), image("ada", 1, true, 0.7), image("bob", 0, true, 0.3),
                image("bob", 1, false, null)), List.of(new EvalResults.Failure("cy", "j9", "NO_FACE", "no face"))));
        again.write(dir);
        EvalReport report = EvalReport.write(EvalResults.read(dir), dir);

        JsonNode json = new ObjectMapper().readTree(dir.resolve(EvalReport.JSON_FILE).toFile()).path("runs");
        assertThat(json.path("base").path("overall").path("detectionRate").asDouble()).isZero();
        assertThat(json.path("base").path("overall").path("meanSimilarity").isNull()).isTrue();
        assertThat(json.path("base").path("note").asText()).contains("found no face in any output image");
        JsonNode trained = json.path("trained");
        assertThat(trained.path("overall").path("detectionRate").asDouble()).isEqualTo(0.75);
        assertThat(trained.path("overall").path("meanSimilarity").asDouble()).isCloseTo((0.9 + 0.7 + 0.3) / 3, within());
        assertThat(trained.path("perPerson").path("ada").path("meanSimilarity").asDouble()).isCloseTo(0.8, within());
        assertThat(trained.path("perPrompt").path("{id} on the moon").path("detectionRate").asDouble()).isEqualTo(0.5);
        assertThat(trained.path("perCategory").path("places").path("meanSimilarity").asDouble()).isCloseTo(0.7, within());
        assertThat(trained.path("overall").path("samePersonRate").asDouble()).isEqualTo(0.5);
        assertThat(trained.path("failures").get(0).path("code").asText()).isEqualTo("NO_FACE");

        String html = Files.readString(dir.resolve(EvalReport.HTML));
        assertThat(html).contains("<th colspan=\"4\">base</th><th colspan=\"4\">trained</th>",
                "found no face in any output image", "the job of cy failed: NO_FACE", "images/x/ada/p1-0.png");
        assertThat(ImageIO.read(dir.resolve(EvalReport.PERSON_PLOT).toFile()).getWidth()).isPositive();
        assertThat(ImageIO.read(dir.resolve(EvalReport.PROMPT_PLOT).toFile()).getWidth()).isPositive();
        assertThat(report.summary("base")).anyMatch(l -> l.contains("n/a (no face found)"));
    }

    @Test
    void theShippedPromptSetHasEveryCategory() {
        PromptSet set = PromptSet.read(Path.of("prompts/identity-eval.txt"));
        assertThat(set.prompts()).allMatch(p -> p.text().contains("{id}"));
        assertThat(set.prompts().stream().map(PromptSet.Prompt::category).distinct())
                .containsExactly("accessories", "styles", "actions", "places");
    }

    @Test
    void badPromptFilesAreRefusedWithTheLine(@TempDir Path dir) throws Exception {
        Path noId = dir.resolve("p.txt");
        Files.writeString(noId, "# prompts\n[styles]\na painting of {id}\na painting of a cat\n");
        assertThatThrownBy(() -> PromptSet.read(noId)).isInstanceOf(UsageException.class)
                .hasMessageContaining("line 4").hasMessageContaining("{id}");
        Path empty = dir.resolve("e.txt");
        Files.writeString(empty, "# nothing\n\n");
        assertThatThrownBy(() -> PromptSet.read(empty)).hasMessageContaining("has no prompt");
        assertThatThrownBy(() -> EvalOptions.parse(new String[] {"--faces", dir.resolve("none").toString(),
                "--prompts", noId.toString()})).hasMessageContaining("--faces: not a folder");
    }

    private static EvalResults.Image image(String person, int prompt, boolean face, Double similarity) {
        return new EvalResults.Image(person, "job-" + person, prompt, PROMPTS.get(prompt).text(),
                PROMPTS.get(prompt).category(), "images/x/" + person + "/p" + prompt + "-0.png", true, face,
                face ? 1.2 * (1 - similarity) : null, similarity, face && similarity > 0.5);
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }
}
