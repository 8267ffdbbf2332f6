package io.dreamid.stage;

import io.dreamid.common.messages.JobMessage;

import java.nio.charset.StandardCharsets;

/**
 * A handler of {@code dreamid.jobs}, which more than one stage consumes (each takes the jobs that are its own):
 * records are read as {@link JobMessage#read job messages}, which must name their tenant.
 */
public interface JobsHandler extends StageHandler<JobMessage> {
    @Override
    default JobMessage read(String value) {
        return JobMessage.read(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }
}
