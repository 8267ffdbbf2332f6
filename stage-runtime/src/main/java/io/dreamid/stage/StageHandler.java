package io.dreamid.stage;

import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.JobScoped;
import io.dreamid.common.messages.Stage;

import java.nio.charset.StandardCharsets;

/**
 * The work of a stage on one input topic. Implement it as an {@code @ApplicationScoped} bean annotated with
 * {@link StageInput}: the runtime finds every handler, consumes its input ({@code dreamid.stage.inputs.<name>.*}) in
 * the consumer group {@code dreamid-<stage>}, and for each record:
 * <ol>
 * <li>{@link #read}s it and names its {@link #job}; an unreadable record (either throws
 * {@link MalformedMessageException}) goes to {@code <topic>.dlq} (and its job, if the key is a job id, FAILED
 * {@code MALFORMED_MESSAGE}) and the partition keeps flowing;</li>
 * <li>skips it when {@link #job} is null or the job has a standing cancel request;</li>
 * <li>calls {@link #handle} on a worker thread, then sends the {@link Outcome} (or, when {@code handle} threw
 * {@link StageFailure}, the FAILED event) and only then commits the record.</li>
 * </ol>
 * A handler implements {@link #handle}; the rest has defaults that follow its {@link StageInput}.
 *
 * @param <M> the message type of the input topic
 */
public interface StageHandler<M> {
    /** The stage: names the consumer group ({@code dreamid-<stage>}) and the events the runtime emits. */
    default Stage stage() {
        return declaration().stage();
    }

    /** The input's name: its configuration is {@code dreamid.stage.inputs.<input>.*}. */
    default String input() {
        return declaration().name();
    }

    /**
     * The message of one record, checked enough that {@link #job} can name its job. By default the JSON of the
     * declared message type.
     *
     * @throws MalformedMessageException the record cannot be read; it is dead-lettered (or skipped, per config)
     */
    @SuppressWarnings("unchecked")
    default M read(String value) {
        return (M) Json.readMessage(value == null ? null : value.getBytes(StandardCharsets.UTF_8),
                declaration().message());
    }

    /**
     * The job of a message, or null when the message is not for this stage (it is then skipped). By default every
     * message is the stage's, named by its {@link JobScoped} job id and tenant.
     *
     * @throws MalformedMessageException the message lacks what the stage needs; it is dead-lettered
     */
    default JobRef job(M message) {
        if (message instanceof JobScoped scoped) {
            return new JobRef(scoped.jobId(), scoped.tenant());
        }
        throw new IllegalStateException(getClass().getName() + " reads " + message.getClass().getName()
                + ", which names no job: implement job()");
    }

    /**
     * The stage's work on one job. Runs on a worker thread; long work asks {@link StageJob#stopping()} or calls
     * {@link StageJob#checkpoint()} between steps. Storage calls go through {@link StageRetry}.
     *
     * @throws StageFailure           the job fails with its code
     * @throws StageStoppedException  the service is stopping; nothing is sent or committed
     */
    Outcome handle(M message, StageJob job);

    private StageInput declaration() {
        StageInput input = getClass().getAnnotation(StageInput.class);
        if (input == null) {
            throw new IllegalStateException(getClass().getName() + " is a stage handler without @StageInput");
        }
        return input;
    }
}
