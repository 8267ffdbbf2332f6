package io.dreamid.cli;

final class Usage {
    static final String TEXT = """
            Usage:
              dreamid generate --face PHOTO --prompt "a photo of {id} as an astronaut" [--prompt ...]
                               [--negative TEXT] [--images N] [--best-of N] [--steps N] [--seed N] [--guidance G]
                               [--width W] [--height H] [--scheduler NAME] [--face-choice largest|index:N|fail-if-several]
                               [--out DIR] [--gateway URL] [--api-key KEY]
              dreamid generate --identity ID --prompt ... (reuse an identity encoded earlier; no photo)
              dreamid job JOB_ID [--gateway URL] [--api-key KEY]
              dreamid eval --faces DIR --prompts FILE [--out DIR] [--label NAME] [--images N] [--steps N]
                           [--seed N] [--guidance G] [--width W] [--height H] [--scheduler NAME]
                           [--judge-timeout SECONDS] [--gateway URL] [--api-key KEY]
                 one job per photo of DIR (the person is the file name) with every prompt of FILE; adds the run,
                 labelled NAME (default served), to DIR's results and writes report.html, report.json and plots
              dreamid dataset build --names FILE --edits FILE [--portrait-prompt T] [--portraits N] [--images N]
                               [--width W] [--height H] [--steps N] [--scheduler NAME] [--guidance G] [--seed N]
                               [--max-distance D] [--out DIR] [--gateway URL] [--api-key KEY]
              dreamid dataset export DATASET_ID --out DIR
              dreamid dataset show DATASET_ID

            A dataset build generates portraits and edited images of the names (one per line in FILE) with the
            edit templates (one per line, each with {name}), keeps the pairs that show the same face, and prints
            the dataset id; export writes manifest.jsonl, summary.json, crops/, chips/, portraits/ and images/
            to DIR, the layout `dreamid train --dataset DIR` reads.

            Every prompt names the person once with the placeholder {id}.
            --best-of N generates each image N times; the image whose face is nearest the person's is kept.
            The gateway URL defaults to $DREAMID_GATEWAY_URL or http://127.0.0.1:8080; the API key to
            $DREAMID_API_KEY or the key the local platform wrote to .dreamid/api-key.
            """;

    private Usage() {
    }
}
