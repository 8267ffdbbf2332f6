package io.dreamid.cli;

/** The gateway could not be reached, or refused a request; the message carries its explanation. */
final class GatewayException extends RuntimeException {
    GatewayException(String message) {
        super(message);
    }

    GatewayException(String message, Throwable cause) {
        super(message, cause);
    }
}
