package io.dreamid.trainer;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * PNGs of the loss: per step with its moving average (the training card's), and on fixed draws at some steps (the
 * README's, from {@code bench/FixedDrawCurve}).
 */
public final class LossCurve {
    private static final int W = 720;
    private static final int H = 400;
    private static final int MARGIN = 60;

    private LossCurve() {
    }

    static void write(float[] losses, Path file) {
        draw(losses, "step 1", "step " + losses.length,
                "training loss (MSE against the scheduler's target); red: moving average of 10", file, true);
    }

    /**
     * The mean loss on fixed draws (the same timesteps and noise at every point, {@code Trainer.evaluateEach}) after
     * {@code steps[i]} optimiser steps: the curve of what training changes, without the noise of each step's draws.
     */
    public static void writeFixedDraws(int[] steps, float[] losses, int draws, Path file) {
        draw(losses, "step " + steps[0], "step " + steps[steps.length - 1], "mean loss over every pair on "
                + draws + " fixed (timestep, noise) draws, after each of " + steps.length + " points of training",
                file, false);
    }

    private static void draw(float[] values, String first, String last, String caption, Path file, boolean average) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (max <= min) {
            max = min + 1e-6;
        }
        g.setColor(Color.BLACK);
        g.drawRect(MARGIN, MARGIN / 2, W - MARGIN * 3 / 2, H - MARGIN * 3 / 2);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(String.format(Locale.ROOT, "%.4f", max), 4, MARGIN / 2 + 10);
        g.drawString(String.format(Locale.ROOT, "%.4f", min), 4, H - MARGIN + 4);
        g.drawString(first, MARGIN, H - MARGIN + 20);
        g.drawString(last, W - MARGIN * 3 / 2, H - MARGIN + 20);
        g.drawString(caption, MARGIN, H - 12);
        plot(g, values, min, max, average ? new Color(150, 150, 220) : Color.RED, average ? 1f : 2f);
        if (average) {
            plot(g, movingAverage(values, 10), min, max, Color.RED, 2f);
        }
        g.dispose();
        try {
            ImageIO.write(img, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void plot(Graphics2D g, float[] values, double min, double max, Color color, float width) {
        g.setColor(color);
        g.setStroke(new BasicStroke(width));
        int plotW = W - MARGIN * 3 / 2;
        int plotH = H - MARGIN * 2;
        int px = -1;
        int py = -1;
        for (int i = 0; i < values.length; i++) {
            int x = MARGIN + (values.length == 1 ? 0 : (int) Math.round((double) i * plotW / (values.length - 1)));
            int y = MARGIN / 2 + (int) Math.round((max - values[i]) / (max - min) * plotH);
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            }
            px = x;
            py = y;
        }
    }

    static float[] movingAverage(float[] values, int window) {
        float[] out = new float[values.length];
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            sum += values[i];
            if (i >= window) {
                sum -= values[i - window];
            }
            out[i] = (float) (sum / Math.min(i + 1, window));
        }
        return out;
    }
}
