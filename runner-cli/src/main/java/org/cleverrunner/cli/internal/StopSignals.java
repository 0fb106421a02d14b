package org.cleverrunner.cli.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The signals {@code run} answers as GitLab Runner does: SIGTERM and SIGINT stop forcefully, SIGHUP reloads the
 * config, and the graceful stop GitLab Runner takes on SIGQUIT comes as SIGUSR1. The JVM keeps SIGQUIT for its
 * thread dumps and lets no code handle it (not even with {@code -Xrs}), so the {@code clever-runner} launcher
 * takes SIGQUIT and passes it on as SIGUSR1.
 *
 * <p>Handlers only queue what came; the service's own thread acts on it, so nothing slow runs on the JVM's
 * signal dispatcher.
 */
public final class StopSignals {

    /** What a signal asks for. */
    public enum Request {
        /** SIGTERM, SIGINT: abort the jobs, report them, exit. */
        FORCEFUL_STOP,
        /** SIGUSR1 (SIGQUIT through the launcher): take no more jobs, exit when the running ones are done. */
        GRACEFUL_STOP,
        /** SIGHUP: read config.toml again. */
        RELOAD
    }

    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final List<String> installed = new ArrayList<>();
    private final List<String> ignored = new ArrayList<>();

    private StopSignals() {
    }

    /** Installs the handlers; a signal the platform refuses is left as it was (see {@link #installed}). */
    public static StopSignals install() {
        StopSignals signals = new StopSignals();
        signals.handle("TERM", Request.FORCEFUL_STOP);
        signals.handle("INT", Request.FORCEFUL_STOP);
        signals.handle("USR1", Request.GRACEFUL_STOP);
        signals.handle("HUP", Request.RELOAD);
        return signals;
    }

    private void handle(String name, Request request) {
        try {
            sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal(name),
                    signal -> requests.add(request));
            // a signal ignored at start (nohup: SIGHUP; a background child of a shell: SIGINT) stays ignored: the
            // JVM installs no handler then, and says so only by handing back SIG_IGN
            (previous == sun.misc.SignalHandler.SIG_IGN ? ignored : installed).add("SIG" + name);
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            // refused (another platform, or -Xrs): the JVM's default stays; a shutdown hook covers TERM and INT
        }
    }

    /** The signals this process was started ignoring, which therefore stay ignored. */
    public List<String> ignored() {
        return List.copyOf(ignored);
    }

    /** The signals handled here, as {@code SIGTERM}…. */
    public List<String> installed() {
        return List.copyOf(installed);
    }

    /** Whether SIGTERM is handled here (otherwise the JVM's shutdown hooks run on it). */
    public boolean handlesTerm() {
        return installed.contains("SIGTERM");
    }

    /** The next request, waiting up to the timeout; null when none came. */
    public Request next(long timeout, TimeUnit unit) throws InterruptedException {
        return requests.poll(timeout, unit);
    }

    /** Queues a request as a signal would (the shutdown hook's path, and tests). */
    public void post(Request request) {
        requests.add(request);
    }
}
