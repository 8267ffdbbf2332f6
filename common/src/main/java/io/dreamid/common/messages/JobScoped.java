package io.dreamid.common.messages;

/** A message about one job of one tenant: what a stage needs to name the job it works on. */
public interface JobScoped {
    String jobId();

    String tenant();
}
