package io.dreamid.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The evaluation report of a results folder: {@code report.json} (the figures), {@code report.html} (the figures
 * and every image) and two plots, with every run (encoder bundle) side by side. Mean similarity is over the images
 * where the judge found a face; with none it is null and the report says so rather than showing a number.
 */
final class EvalReport {
    static final String JSON_FILE = "report.json";
    static final String HTML = "report.html";
    static final String PERSON_PLOT = "similarity-by-person.png";
    static final String PROMPT_PLOT = "detection-by-prompt.png";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Color[] SERIES = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};

    /**
     * Figures of a set of images.
     *
     * @param images         output images
     * @param judged         images the identity judge scored
     * @param facesFound     images where it found a face
     * @param detectionRate  facesFound / images
     * @param meanSimilarity mean judge similarity over the images with a face; null when no face was found
     * @param meanDistance   mean descriptor distance over the same images; null likewise
     * @param samePersonRate images judged the same person (distance &lt; 0.6) / images
     */
    record Stats(int images, int judged, int facesFound, double detectionRate, Double meanSimilarity,
            Double meanDistance, double samePersonRate) {
        static Stats of(List<EvalResults.Image> images) {
            int judged = 0;
            int faces = 0;
            int same = 0;
            double similarity = 0;
            double distance = 0;
            for (EvalResults.Image i : images) {
                judged += i.judged() ? 1 : 0;
                if (i.faceFound() && i.similarity() != null) {
                    faces++;
                    similarity += i.similarity();
                    distance += i.distance();
                    same += i.samePerson() ? 1 : 0;
                }
            }
            int n = images.size();
            return new Stats(n, judged, faces, n == 0 ? 0 : (double) faces / n, faces == 0 ? null : similarity / faces,
                    faces == 0 ? null : distance / faces, n == 0 ? 0 : (double) same / n);
        }
    }

    /** One run's figures: overall, per person, per prompt and per category; failed jobs with their codes. */
    record RunReport(String label, Stats overall, Map<String, Stats> perPerson, Map<String, Stats> perPrompt,
            Map<String, Stats> perCategory, List<EvalResults.Failure> failures, String note) {
    }

    private final Map<String, RunReport> runs;
    private final EvalResults results;

    private EvalReport(EvalResults results, Map<String, RunReport> runs) {
        this.results = results;
        this.runs = runs;
    }

    static EvalReport write(EvalResults results, Path dir) {
        Map<String, RunReport> runs = new LinkedHashMap<>();
        results.runs().forEach((label, run) -> runs.put(label, report(run)));
        EvalReport report = new EvalReport(results, runs);
        writeAtomically(dir.resolve(JSON_FILE), out -> JSON.writeValue(out, Map.of("runs", runs)));
        writeAtomically(dir.resolve(PERSON_PLOT), out -> ImageIO.write(report.personPlot(), "png", out));
        writeAtomically(dir.resolve(PROMPT_PLOT), out -> ImageIO.write(report.promptPlot(), "png", out));
        writeAtomically(dir.resolve(HTML), out -> out.write(report.html().getBytes(StandardCharsets.UTF_8)));
        return report;
    }

    static RunReport report(EvalResults.Run run) {
        Stats overall = Stats.of(run.images());
        String note = overall.images() == 0 ? "no output images"
                : overall.facesFound() == 0 ? "the identity judge found no face in any output image: face-detection"
                + " rate 0, no identity similarity to report" : null;
        return new RunReport(run.label(), overall, group(run.images(), EvalResults.Image::person),
                group(run.images(), EvalResults.Image::promptText), group(run.images(), EvalResults.Image::category),
                run.failures(), note);
    }

    private static Map<String, Stats> group(List<EvalResults.Image> images, Function<EvalResults.Image, String> key) {
        Map<String, List<EvalResults.Image>> groups = new LinkedHashMap<>();
        for (EvalResults.Image i : images) {
            groups.computeIfAbsent(key.apply(i), k -> new ArrayList<>()).add(i);
        }
        Map<String, Stats> out = new LinkedHashMap<>();
        groups.forEach((k, v) -> out.put(k, Stats.of(v)));
        return out;
    }

    /** Console lines for one run. */
    List<String> summary(String label) {
        RunReport r = runs.get(label);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%s: %d images, faces found in %d (rate %.2f), mean identity similarity %s,"
                + " same person %.2f", label, r.overall().images(), r.overall().facesFound(),
                r.overall().detectionRate(), similarity(r.overall()), r.overall().samePersonRate()));
        r.perPerson().forEach((person, s) -> lines.add(String.format(Locale.ROOT, "  %s: similarity %s, faces %d/%d",
                person, similarity(s), s.facesFound(), s.images())));
        if (r.note() != null) {
            lines.add("  note: " + r.note());
        }
        return lines;
    }

    private static String similarity(Stats s) {
        return s.meanSimilarity() == null ? "n/a (no face found)" : String.format(Locale.ROOT, "%.3f", s.meanSimilarity());
    }

    private String html() {
        List<String> labels = new ArrayList<>(runs.keySet());
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>DreamID identity evaluation"
                + "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
                + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child"
                + "{text-align:left}.note{color:#a40}img{width:96px;height:96px;margin:2px}figure{display:inline-block;"
                + "margin:4px;font-size:11px;text-align:center}</style></head><body>\n<h1>Identity evaluation</h1>\n");
        h.append("<p>Similarity is the identity judge's (dlib face descriptors, 1 identical, 0.5 at the same-person"
                + " threshold 0.6) between the input face and each output image with a face, averaged over those"
                + " images. Detection rate: output images where the judge found a face.</p>\n");
        for (RunReport r : runs.values()) {
            if (r.note() != null) {
                h.append("<p class=\"note\"><b>").append(esc(r.label())).append(":</b> ").append(esc(r.note()))
                        .append("</p>\n");
            }
            for (EvalResults.Failure f : r.failures()) {
                h.append("<p class=\"note\"><b>").append(esc(r.label())).append(":</b> the job of ")
                        .append(esc(f.person())).append(" failed: ").append(esc(f.code())).append(' ')
                        .append(esc(f.message())).append("</p>\n");
            }
        }
        h.append("<h2>Overall</h2>\n");
        table(h, labels, List.of("all"), (r, k) -> r.overall());
        h.append("<img src=\"").append(PERSON_PLOT).append("\" alt=\"similarity by person\" style=\"width:auto;"
                + "height:auto\"> <img src=\"").append(PROMPT_PLOT).append("\" alt=\"detection by prompt\""
                + " style=\"width:auto;height:auto\">\n<h2>Per person</h2>\n");
        table(h, labels, keys(RunReport::perPerson), (r, k) -> r.perPerson().get(k));
        h.append("<h2>Per prompt</h2>\n");
        table(h, labels, keys(RunReport::perPrompt), (r, k) -> r.perPrompt().get(k));
        h.append("<h2>Per category</h2>\n");
        table(h, labels, keys(RunReport::perCategory), (r, k) -> r.perCategory().get(k));
        h.append("<h2>Images</h2>\n");
        for (EvalResults.Run run : results.runs().values()) {
            h.append("<h3>").append(esc(run.label())).append("</h3>\n");
            for (EvalResults.Image i : run.images()) {
                h.append("<figure><img src=\"").append(esc(i.file())).append("\" alt=\"\"><figcaption>")
                        .append(esc(i.person())).append(" · p").append(i.prompt()).append("<br>")
                        .append(!i.judged() ? "not judged" : i.faceFound()
                                ? String.format(Locale.ROOT, "sim %.3f", i.similarity()) : "no face")
                        .append("</figcaption></figure>\n");
            }
        }
        return h.append("</body></html>\n").toString();
    }

    private Set<String> keys(Function<RunReport, Map<String, Stats>> groups) {
        Set<String> keys = new LinkedHashSet<>();
        runs.values().forEach(r -> keys.addAll(groups.apply(r).keySet()));
        return keys;
    }

    private interface Cell {
        Stats of(RunReport run, String key);
    }

    /** Rows: keys; per run (side by side): mean similarity, detection rate, same-person rate, images. */
    private void table(StringBuilder h, List<String> labels, Iterable<String> keys, Cell cell) {
        h.append("<table><tr><th rowspan=\"2\"></th>");
        for (String l : labels) {
            h.append("<th colspan=\"4\">").append(esc(l)).append("</th>");
        }
        h.append("</tr><tr>");
        labels.forEach(l -> h.append("<th>similarity</th><th>detection</th><th>same person</th><th>images</th>"));
        h.append("</tr>\n");
        for (String key : keys) {
            h.append("<tr><td>").append(esc(key)).append("</td>");
            for (String l : labels) {
                Stats s = cell.of(runs.get(l), key);
                if (s == null) {
                    h.append("<td colspan=\"4\">-</td>");
                    continue;
                }
                h.append(String.format(Locale.ROOT, "<td>%s</td><td>%.2f</td><td>%.2f</td><td>%d</td>",
                        s.meanSimilarity() == null ? "n/a" : String.format(Locale.ROOT, "%.3f", s.meanSimilarity()),
                        s.detectionRate(), s.samePersonRate(), s.images()));
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private BufferedImage personPlot() {
        return bars("Mean identity similarity by person (images with a face)", keys(RunReport::perPerson),
                (r, k) -> r.perPerson().get(k), s -> s.meanSimilarity() == null ? null : s.meanSimilarity(),
                s -> s.meanSimilarity() == null);
    }

    private BufferedImage promptPlot() {
        return bars("Face-detection rate of the outputs by prompt", keys(RunReport::perPrompt),
                (r, k) -> r.perPrompt().get(k), Stats::detectionRate, s -> false);
    }

    /** Grouped bars in [0, 1]: one group per key, one bar per run; "n/a" where a value does not exist. */
    private BufferedImage bars(String title, Set<String> keys, Cell cell, Function<Stats, Double> value,
            Predicate<Stats> missing) {
        List<String> labels = new ArrayList<>(runs.keySet());
        int groupWidth = Math.max(60, 24 * labels.size() + 20);
        int left = 50;
        int top = 40;
        int plotHeight = 220;
        int bottom = 130;
        int width = Math.max(480, left + 160 + groupWidth * keys.size());
        BufferedImage image = new BufferedImage(width, top + plotHeight + bottom + 20 * labels.size(),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, left, 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int t = 0; t <= 4; t++) {
            int y = top + plotHeight - t * plotHeight / 4;
            g.setColor(new Color(0xdddddd));
            g.drawLine(left, y, width - 10, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.2f", t / 4.0), 10, y + 4);
        }
        g.setStroke(new BasicStroke(1));
        int x = left + 10;
        for (String key : keys) {
            for (int l = 0; l < labels.size(); l++) {
                Stats s = cell.of(runs.get(labels.get(l)), key);
                int bx = x + l * 24;
                if (s == null || missing.test(s)) {
                    g.setColor(Color.GRAY);
                    g.drawString("n/a", bx, top + plotHeight - 4);
                    continue;
                }
                int h = (int) Math.round(Math.max(0, Math.min(1, value.apply(s))) * plotHeight);
                g.setColor(SERIES[l % SERIES.length]);
                g.fillRect(bx, top + plotHeight - h, 20, h);
                if (h == 0) {
                    // a zero has no bar: say it, so that it is not read as missing
                    g.drawString("0", bx + 6, top + plotHeight - 4);
                }
            }
            g.setColor(Color.BLACK);
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.rotate(Math.toRadians(35), x, top + plotHeight + 12);
            rotated.drawString(key.length() > 28 ? key.substring(0, 27) + "…" : key, x, top + plotHeight + 12);
            rotated.dispose();
            x += groupWidth;
        }
        int ly = top + plotHeight + bottom;
        for (int l = 0; l < labels.size(); l++) {
            g.setColor(SERIES[l % SERIES.length]);
            g.fillRect(left, ly + 20 * l - 10, 12, 12);
            g.setColor(Color.BLACK);
            RunReport r = runs.get(labels.get(l));
            g.drawString(labels.get(l) + (r.note() != null && r.overall().facesFound() == 0 ? " (no face found in any"
                    + " output)" : ""), left + 18, ly + 20 * l);
        }
        g.dispose();
        return image;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes to a temporary file beside {@code file}, then renames it: a report is never half written. */
    static void writeAtomically(Path file, Writer writer) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".eval-", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.write(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UsageException("--out: cannot write " + file + " (" + e.getMessage() + ")");
        }
    }
}
