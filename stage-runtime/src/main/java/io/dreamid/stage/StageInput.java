package io.dreamid.stage;

import io.dreamid.common.messages.Stage;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a {@link StageHandler} consumes, declared on its class: the stage (which names the consumer group
 * {@code dreamid-<stage>} and the events the runtime sends), the input's name (its configuration is
 * {@code dreamid.stage.inputs.<name>.*}) and the JSON message type of the input topic's records. Inherited, so that
 * it is found on the CDI client proxy of the handler bean too.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface StageInput {
    Stage stage();

    String name();

    /** The record's message type, read with {@code Json.readMessage}; must be the handler's type argument. */
    Class<?> message();
}
