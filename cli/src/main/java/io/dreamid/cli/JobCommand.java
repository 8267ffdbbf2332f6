package io.dreamid.cli;

import java.io.PrintStream;

/** {@code dreamid job JOB_ID}: prints the job's JSON as the gateway returns it. */
final class JobCommand {
    private final JobOptions options;
    private final PrintStream out;
    private final PrintStream err;

    JobCommand(JobOptions options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    int run() {
        GatewayClient gateway = new GatewayClient(Connection.resolve(options.gateway(), options.apiKey(), System.getenv()));
        out.println(gateway.job(options.jobId()).toPrettyString());
        return Main.OK;
    }
}
