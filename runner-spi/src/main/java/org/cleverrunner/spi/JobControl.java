package org.cleverrunner.spi;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * How the engine tells a running job to stop. {@link #cancel()} is GitLab's graceful {@code canceling}: stop the
 * script, still run after_script, then finish. {@link #abort()} is {@code canceled}: stop everything now.
 * Listeners run once, on the thread that cancels, and must be quick.
 */
public final class JobControl {

    public enum State {
        RUNNING,
        CANCEL_REQUESTED,
        ABORTED
    }

    private volatile State state = State.RUNNING;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public State state() {
        return state;
    }

    public boolean stopRequested() {
        return state != State.RUNNING;
    }

    public void cancel() {
        move(State.CANCEL_REQUESTED);
    }

    public void abort() {
        move(State.ABORTED);
    }

    /** Runs {@code listener} when a stop is requested, at once if one already was. */
    public void onStop(Runnable listener) {
        listeners.add(listener);
        if (state != State.RUNNING && listeners.remove(listener)) {
            listener.run();
        }
    }

    private void move(State next) {
        synchronized (this) {
            if (state == State.ABORTED || state == next) {
                return;
            }
            state = next;
        }
        for (Runnable listener : listeners) {
            if (listeners.remove(listener)) {
                listener.run();
            }
        }
    }
}
