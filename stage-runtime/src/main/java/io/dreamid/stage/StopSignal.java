package io.dreamid.stage;

import jakarta.enterprise.context.ApplicationScoped;

/** Set once when the service starts to stop; work in hand asks it between steps. */
@ApplicationScoped
public class StopSignal {
    private volatile boolean stopping;

    public boolean stopping() {
        return stopping;
    }

    /** @throws StageStoppedException when the service is stopping, naming {@code what} was abandoned */
    public void check(String what) {
        if (stopping) {
            throw new StageStoppedException("the service is stopping; " + what + " is left for redelivery");
        }
    }

    void stop() {
        stopping = true;
    }
}
