package io.dreamid.cli;

/** The options of {@code dreamid job JOB_ID}. */
record JobOptions(String jobId, String gateway, String apiKey) {
    static JobOptions parse(String[] args) {
        String jobId = null;
        String gateway = null;
        String key = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--gateway" -> gateway = value(args, ++i, "--gateway");
                case "--api-key" -> key = value(args, ++i, "--api-key");
                default -> {
                    if (args[i].startsWith("--") || jobId != null) {
                        throw new UsageException("unexpected argument \"" + args[i] + "\"");
                    }
                    jobId = args[i];
                }
            }
        }
        if (jobId == null) {
            throw new UsageException("give the job id: dreamid job JOB_ID");
        }
        return new JobOptions(jobId, gateway, key);
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new UsageException(name + " needs a value");
        }
        return args[i];
    }
}
