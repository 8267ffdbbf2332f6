package io.dreamid.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code dreamid} command line: {@code generate} submits a face and prompts through the gateway, follows the
 * job and downloads the images; {@code job} prints a job's state; {@code eval} runs every face of a folder with
 * a prompt set and writes an identity report. Exit codes: 0 success, 1 the job failed or
 * was cancelled, 2 bad usage, 3 the gateway could not be reached or refused the request.
 */
public final class Main {
    public static final int OK = 0;
    public static final int JOB_FAILED = 1;
    static final int USAGE = 2;
    static final int GATEWAY_ERROR = 3;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            err.println(Usage.TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (args[0]) {
                case "generate" -> {
                    GenerateOptions options = GenerateOptions.parse(rest);
                    if (checkOnly()) {
                        // The local runner checks the command line before it starts the platform (40 s for a typo).
                        GenerateCommand.prepareOutputFolder(options.outDir());
                        yield OK;
                    }
                    yield new GenerateCommand(options, out, err).run();
                }
                case "eval" -> new EvalCommand(EvalOptions.parse(rest), out, err).run();
                case "job" -> new JobCommand(JobOptions.parse(rest), out, err).run();
                case "dataset" -> {
                    DatasetOptions options = DatasetOptions.parse(rest);
                    yield checkOnly() ? OK : new DatasetCommand(options, out, err).run();
                }
                default -> throw new UsageException("unknown command \"" + args[0] + "\"");
            };
        } catch (UsageException e) {
            err.println("dreamid: " + e.getMessage());
            err.println("Run 'dreamid --help' for usage.");
            return USAGE;
        } catch (GatewayException e) {
            err.println("dreamid: " + e.getMessage());
            return GATEWAY_ERROR;
        }
    }

    /** DREAMID_CLI_CHECK_ONLY=1: check the command line and the output folder, submit nothing. */
    private static boolean checkOnly() {
        return "1".equals(System.getenv("DREAMID_CLI_CHECK_ONLY"));
    }
}
