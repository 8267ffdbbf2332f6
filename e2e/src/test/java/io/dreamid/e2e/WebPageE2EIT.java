package io.dreamid.e2e;

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
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
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
        Path photo = tmp.resolve("grace.jpg");
        try (InputStream in = getClass().getResourceAsStream("/faces/grace_hopper.jpg")) {
            Files.copy(in, photo);
        }
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
    void aWrongKeyIsExplainedOnThePage() throws IOException {
        Path photo = tmp.resolve("grace2.jpg");
        try (InputStream in = getClass().getResourceAsStream("/faces/grace_hopper.jpg")) {
            Files.copy(in, photo);
        }
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

    /** Fills in the prompt and a 64x64 job of {@code steps} steps with {@code seed}, and submits the form. */
    private static void submit(WebDriver browser, String prompt, String steps, String seed) {
        WebElement prompts = browser.findElement(By.id("prompts"));
        prompts.clear();
        prompts.sendKeys(prompt);
        for (String[] field : new String[][] {{"steps", steps}, {"width", "64"}, {"height", "64"}, {"seed", seed}}) {
            WebElement input = browser.findElement(By.id(field[0]));
            input.clear();
            input.sendKeys(field[1]);
        }
        browser.findElement(By.id("submit")).click();
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
