package io.dreamid.stage;

import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.Stage;

/**
 * The work of a stage on one input topic. Implement it as an {@code @ApplicationScoped} bean: the runtime finds
 * every handler, consumes its input ({@code dreamid.stage.inputs.<input>.*}) in the consumer group
 * {@code dreamid-<stage>}, and for each record:
 * <ol>
 * <li>{@link #read} it; an unreadable record goes to {@code <topic>.dlq} (and its job, if the key is a job id,
 * FAILED {@code MALFORMED_MESSAGE}) and the partition keeps flowing;</li>
 * <li>skips it when {@link #job} is null or the job has a standing cancel request;</li>
 * <li>calls {@link #handle} on a worker thread, then sends the {@link Outcome} (or, when {@code handle} threw
 * {@link StageFailure}, the FAILED event) and only then commits the record.</li>
 * </ol>
 *
 * @param <M> the message type of the input topic
 */
public interface StageHandler<M> {
    /** The stage: names the consumer group ({@code dreamid-<stage>}) and the events the runtime emits. */
    Stage stage();

    /** The input's name: its configuration is {@code dreamid.stage.inputs.<input>.*}. */
    String input();

    /**
     * The message of one record, checked enough that {@link #job} can name its job.
     *
     * @throws MalformedMessageException the record cannot be read; it is dead-lettered (or skipped, per config)
     */
    M read(String value);

    /** The job of a message, or null when the message is not for this stage (it is then skipped). */
    JobRef job(M message);

    /**
     * The stage's work on one job. Runs on a worker thread; long work asks {@link StageJob#stopping()} or calls
     * {@link StageJob#checkpoint()} between steps. Storage calls go through {@link StageRetry}.
     *
     * @throws StageFailure           the job fails with its code
     * @throws StageStoppedException  the service is stopping; nothing is sent or committed
     */
    Outcome handle(M message, StageJob job);
}
