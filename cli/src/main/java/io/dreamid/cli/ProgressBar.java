package io.dreamid.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows a job's progress: a bar redrawn in place on a terminal, one line per change of stage otherwise (so
 * that logs and pipes stay readable).
 */
final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintStream err;
    private final boolean interactive;
    private String lastStatus = "";
    private boolean drawn;

    ProgressBar(PrintStream err, boolean interactive) {
        this.err = err;
        this.interactive = interactive;
    }

    void show(JsonNode state) {
        String status = state.path("status").asText();
        double progress = Math.max(0, Math.min(1, state.path("progress").asDouble(0)));
        if (interactive) {
            int filled = (int) Math.round(progress * WIDTH);
            err.printf(Locale.ROOT, "\r[%s%s] %3d%% %-12s", "#".repeat(filled), ".".repeat(WIDTH - filled),
                    Math.round(progress * 100), status);
            err.flush();
            drawn = true;
        } else if (!status.equals(lastStatus)) {
            err.printf(Locale.ROOT, "%s %d%%%n", status, Math.round(progress * 100));
        }
        lastStatus = status;
    }

    void finish() {
        if (drawn) {
            err.println();
        }
    }
}
