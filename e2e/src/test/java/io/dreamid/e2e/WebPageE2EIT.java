package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The gateway's web page in a real headless Chromium: a person enters the key, uploads a face, sees the detected
 * face, the progress, and the gallery of results with their parameters.
 */
class WebPageE2EIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private static Platform platform;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        platform = Platform.shared();
    }


    @Test
    void aPersonGeneratesImagesFromThePage() throws IOException {
        Path photo = Files.write(tmp.resolve("grace.jpg"), FacePhotos.graceHopper());
        WebDriver browser = chromium(tmp.resolve("profile"));
        try {
            browser.get(platform.gateway().resolve("/").toString());
            browser.findElement(By.id("api-key")).sendKeys(Platform.API_KEY);
            browser.findElement(By.id("photo")).sendKeys(photo.toString());
            submit(browser, "a photo of {id} as an astronaut", "3", "5");

            WebDriverWait wait = new WebDriverWait(browser, Duration.ofMinutes(3));
            wait.until(d -> !d.findElements(By.cssSelector("#gallery img.result")).isEmpty()
                    || d.findElement(By.id("error")).isDisplayed());
            assertThat(browser.findElement(By.id("error")).isDisplayed())
                    .as("error shown: %s", browser.findElement(By.id("error")).getText()).isFalse();
            assertThat(browser.findElement(By.id("status")).getText()).startsWith("SUCCEEDED");
            assertThat(browser.findElement(By.id("face")).isDisplayed()).as("the detected face is shown").isTrue();

            List<WebElement> results = browser.findElements(By.cssSelector("#gallery figure"));
            assertThat(results).hasSize(1);
            // The identity judge's score comes a moment after SUCCEEDED (the tiny bundle's noise has no face).
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.findElement(
                    By.cssSelector("#gallery .score")).getText().startsWith("identity:"));
            assertThat(browser.findElement(By.cssSelector("#gallery .score")).getText())
                    .isEqualTo("identity: no face found in the image");
            assertThat(results.get(0).findElement(By.tagName("figcaption")).getText())
                    .contains("a photo of {id} as an astronaut").contains("seed 5").contains("3 steps");
            Number width = (Number) ((org.openqa.selenium.JavascriptExecutor) browser)
                    .executeScript("return document.querySelector('#gallery img.result').naturalWidth");
            assertThat(width.intValue()).as("the image loaded").isEqualTo(64);

            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), platform.repoRoot().resolve("e2e/target/web-page.png"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            browser.quit();
        }
    }

    @Test
    void promptsThatNameNobodyRunAsTextToImageWithoutAPhoto() {
        WebDriver browser = chromium(tmp.resolve("profile3"));
        try {
            browser.get(platform.gateway().resolve("/").toString());
            browser.findElement(By.id("api-key")).sendKeys(Platform.API_KEY);
            submit(browser, "a lighthouse at dusk", "2", "8");

            new WebDriverWait(browser, Duration.ofMinutes(3)).until(d -> !d.findElements(
                    By.cssSelector("#gallery img.result")).isEmpty() || d.findElement(By.id("error")).isDisplayed());
            assertThat(browser.findElement(By.id("error")).isDisplayed())
                    .as("error shown: %s", browser.findElement(By.id("error")).getText()).isFalse();
            assertThat(browser.findElement(By.id("status")).getText()).startsWith("SUCCEEDED");
            assertThat(browser.findElement(By.cssSelector("#gallery figcaption")).getText())
                    .contains("a lighthouse at dusk").contains("seed 8");
        } finally {
            browser.quit();
        }
    }

    @Test
    void aLibraryPickRunsAndARecentJobRunsAgainWithTheSameSeed() throws IOException {
        String identityId = encodeTestPhoto(false);
        api().patch("/v1/identities/" + identityId, "{\"name\": \"Grace\"}");
        WebDriver browser = chromium(tmp.resolve("profile4"));
        try {
            browser.get(platform.gateway().resolve("/").toString());
            browser.findElement(By.id("api-key")).sendKeys(Platform.API_KEY);
            fill(browser, "a photo of {id} as a chef", "2", "11");
            browser.findElement(By.id("pick")).click();
            pickFromLibrary(browser, "library", identityId);
            browser.findElement(By.id("submit")).click();
            String first = awaitSucceeded(browser);
            assertThat(browser.findElement(By.cssSelector("#gallery figcaption")).getText())
                    .contains("a photo of {id} as a chef").contains("seed 11");
            assertThat(api().job(first).path("identityId").asText()).isEqualTo(identityId);

            // The recent jobs: this one first, with its thumbnail and parameters, and "run again".
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            wait.until(d -> !d.findElements(By.cssSelector("#recent li[data-job='" + first + "'] img.thumb")).isEmpty());
            WebElement recent = browser.findElement(By.cssSelector("#recent li[data-job='" + first + "']"));
            assertThat(recent.getText()).contains("SUCCEEDED").contains("a photo of {id} as a chef")
                    .contains("seed 11, 2 steps");
            Number thumbWidth = (Number) ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                    "return document.querySelector(\"#recent li[data-job='" + first + "'] img.thumb\").naturalWidth");
            assertThat(thumbWidth.intValue()).as("the thumbnail loaded").isEqualTo(64);
            recent.findElement(By.cssSelector("button.run-again")).click();
            wait.until(d -> !d.findElement(By.id("job-id")).getText().equals(first));
            String again = awaitSucceeded(browser);
            JsonNode rerun = api().job(again);
            assertThat(rerun.path("spec").path("seed").asLong()).isEqualTo(11L);
            assertThat(rerun.path("spec").path("prompts").get(0).asText()).isEqualTo("a photo of {id} as a chef");
            assertThat(rerun.path("identityId").asText()).isEqualTo(identityId);
        } finally {
            browser.quit();
        }
    }

    @Test
    void aTwoPersonJobOfAnUploadAndALibraryPick() throws IOException {
        String grace = encodeTestPhoto(true);
        Path ada = Files.write(tmp.resolve("ada.jpg"), FacePhotos.graceHopper());
        WebDriver browser = chromium(tmp.resolve("profile5"));
        try {
            browser.get(platform.gateway().resolve("/").toString());
            browser.findElement(By.id("api-key")).sendKeys(Platform.API_KEY);
            fill(browser, "{id:ada} and {id:grace} having tea", "2", "12");
            browser.findElement(By.id("photo-ada")).sendKeys(ada.toString());
            browser.findElement(By.id("pick-grace")).click();
            pickFromLibrary(browser, "library-grace", grace);
            browser.findElement(By.id("submit")).click();
            String jobId = awaitSucceeded(browser);

            assertThat(browser.findElement(By.cssSelector("#gallery figcaption")).getText())
                    .contains("{id:ada} and {id:grace} having tea").contains("ada=photo:ada grace=" + grace);
            JsonNode job = api().job(jobId);
            assertThat(job.path("photos").path("ada").asText()).startsWith("inputs/" + jobId + "/person-ada.");
            byte[] png = api().bytes(job.path("images").get(0).path("url").asText());
            assertThat(io.dreamid.testsupport.PngText.read(png).get("identity")).startsWith("ada=")
                    .endsWith(", grace=" + grace);
            // The identity judge scores each person a moment after SUCCEEDED (the tiny bundle's noise has no face).
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.findElement(
                    By.cssSelector("#gallery .score")).getText().startsWith("identity:"));
            assertThat(browser.findElement(By.cssSelector("#gallery .score")).getText())
                    .isEqualTo("identity: ada no face, grace no face");
        } finally {
            browser.quit();
        }
    }

    @Test
    void aWrongKeyIsExplainedOnThePage() throws IOException {
        Path photo = Files.write(tmp.resolve("grace2.jpg"), FacePhotos.graceHopper());
        WebDriver browser = chromium(tmp.resolve("profile2"));
        try {
            browser.get(platform.gateway().resolve("/").toString());
            browser.findElement(By.id("api-key")).sendKeys("not-a-key");
            browser.findElement(By.id("photo")).sendKeys(photo.toString());
            browser.findElement(By.id("submit")).click();

            new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.findElement(By.id("error")).isDisplayed());
            assertThat(browser.findElement(By.id("error")).getText()).containsIgnoringCase("key");
        } finally {
            browser.quit();
        }
    }

    private static GatewayApi api() {
        return new GatewayApi(platform.gateway(), Platform.API_KEY);
    }

    /** The identity of the test photo (or of its mirror image), made through the API as a user's program would. */
    private static String encodeTestPhoto(boolean mirror) throws IOException {
        byte[] photo = mirror ? FacePhotos.mirrored(FacePhotos.graceHopper()) : FacePhotos.graceHopper();
        var accepted = api().submitIdentity(photo, mirror ? "mirror.png" : "face.jpg");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        JsonNode job = api().awaitTerminal(GatewayApi.json(accepted.body()).path("jobId").asText(),
                Duration.ofMinutes(3));
        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        return job.path("identityId").asText();
    }

    /** Waits until the library (loaded once the key is typed) lists the identity, then picks it. */
    private static void pickFromLibrary(WebDriver browser, String selectId, String identityId) {
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> !d.findElements(
                By.cssSelector("#" + selectId + " option[value='" + identityId + "']")).isEmpty());
        new Select(browser.findElement(By.id(selectId))).selectByValue(identityId);
    }

    /** Waits for the page's current job to end, requires SUCCEEDED and its images, and returns its id. */
    private static String awaitSucceeded(WebDriver browser) {
        new WebDriverWait(browser, Duration.ofMinutes(3)).until(d -> d.findElement(By.id("status")).getText()
                .startsWith("SUCCEEDED") && !d.findElements(By.cssSelector("#gallery img.result")).isEmpty()
                || d.findElement(By.id("error")).isDisplayed());
        assertThat(browser.findElement(By.id("error")).isDisplayed())
                .as("error shown: %s", browser.findElement(By.id("error")).getText()).isFalse();
        return browser.findElement(By.id("job-id")).getText();
    }

    /** Fills in the prompt and a 64x64 job of {@code steps} steps with {@code seed}, and submits the form. */
    private static void submit(WebDriver browser, String prompt, String steps, String seed) {
        fill(browser, prompt, steps, seed);
        browser.findElement(By.id("submit")).click();
    }

    /** Fills in the prompt and a 64x64 job of {@code steps} steps with {@code seed}. */
    private static void fill(WebDriver browser, String prompt, String steps, String seed) {
        WebElement prompts = browser.findElement(By.id("prompts"));
        prompts.clear();
        prompts.sendKeys(prompt);
        for (String[] field : new String[][] {{"steps", steps}, {"width", "64"}, {"height", "64"}, {"seed", seed}}) {
            WebElement input = browser.findElement(By.id(field[0]));
            input.clear();
            input.sendKeys(field[1]);
        }
    }

    private static WebDriver chromium(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }
}
