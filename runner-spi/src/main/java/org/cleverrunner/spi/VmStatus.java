package org.cleverrunner.spi;

import java.net.URI;
import java.util.Objects;

/**
 * A VM's state as its backend sees it.
 *
 * @param state where it is in its life
 * @param endpoint its Docker endpoint once {@link State#RUNNING} ({@code https://…} for a gateway), else null
 * @param detail what the backend says, for logs and error messages (never a secret)
 */
public record VmStatus(State state, URI endpoint, String detail) {

    public enum State {
        /** Created, not yet running. */
        BOOTING,
        /** Running, with an endpoint (whose gateway may still be starting: the lifecycle checks it). */
        RUNNING,
        /** It will not run (a failed deployment); the lifecycle deletes it. */
        FAILED,
        /** The backend no longer has it. */
        GONE
    }

    public VmStatus {
        Objects.requireNonNull(state, "state");
        if (state == State.RUNNING) {
            Objects.requireNonNull(endpoint, "endpoint of a running VM");
        }
    }

    public static VmStatus booting(String detail) {
        return new VmStatus(State.BOOTING, null, detail);
    }

    public static VmStatus running(URI endpoint) {
        return new VmStatus(State.RUNNING, endpoint, null);
    }
}
