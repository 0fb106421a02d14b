package org.cleverrunner.docker.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.cleverrunner.spi.Trace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a container's output into the trace with {@code logs?follow=1&timestamps=1}, a plain streamed response
 * (no attach). Proxies cut long streams: when the stream ends while the container still runs, it asks again from
 * the last timestamp seen and skips what it already wrote, so no line is lost or repeated.
 */
public final class LogFollower {

    private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);

    private final DockerClient docker;
    private final String containerId;
    private final Trace trace;
    private String lastTimestamp = "";
    private final ByteArrayOutputStream partialLine = new ByteArrayOutputStream();

    public LogFollower(DockerClient docker, String containerId, Trace trace) {
        this.docker = docker;
        this.containerId = containerId;
        this.trace = trace;
    }

    /** Follows until the container has stopped and its output is drained. */
    public void follow() throws InterruptedException {
        for (int rounds = 0; ; rounds++) {
            boolean completed = followOnce(rounds == 0 ? 0 : sinceSeconds());
            if (!isRunning()) {
                if (!completed) {
                    followOnce(sinceSeconds()); // drain what was written after the cut
                }
                flushPartialLine();
                return;
            }
            if (completed) {
                // the engine ended the stream while the container runs: a proxy cut it, resume
                LOG.debug("log stream of {} ended early, resuming from {}", containerId, lastTimestamp);
            }
            if (rounds > 10_000) {
                throw new IllegalStateException("the log stream of " + containerId + " keeps breaking");
            }
            Thread.sleep(Math.min(1000, 50L * (rounds + 1)));
        }
    }

    private boolean followOnce(int since) throws InterruptedException {
        ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                accept(frame.getPayload());
            }
        };
        var command = docker.logContainerCmd(containerId).withFollowStream(true).withStdOut(true).withStdErr(true)
                .withTimestamps(true);
        if (since > 0) {
            command = command.withSince(since);
        }
        command.exec(callback);
        try {
            callback.awaitCompletion();
            return true;
        } catch (InterruptedException e) {
            closeQuietly(callback);
            throw e;
        } catch (RuntimeException e) {
            LOG.debug("log stream of {} failed: {}", containerId, e.toString());
            return false;
        }
    }

    /**
     * Each line arrives as {@code <RFC3339Nano timestamp> <text>\n}; lines may be split across frames. Lines at or
     * before the last timestamp seen were already written (a resumed stream starts at a whole second).
     */
    private synchronized void accept(byte[] payload) {
        int start = 0;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == '\n') {
                partialLine.write(payload, start, i - start + 1);
                emitLine(partialLine.toByteArray());
                partialLine.reset();
                start = i + 1;
            }
        }
        partialLine.write(payload, start, payload.length - start);
    }

    private void emitLine(byte[] line) {
        int space = indexOf(line, (byte) ' ');
        if (space <= 0 || space > 40) {
            trace.write(line, 0, line.length);
            return;
        }
        String timestamp = new String(line, 0, space, StandardCharsets.US_ASCII);
        if (!timestamp.isEmpty() && Character.isDigit(timestamp.charAt(0))) {
            if (!lastTimestamp.isEmpty() && compareTimestamps(timestamp, lastTimestamp) <= 0) {
                return; // already written before the stream was resumed
            }
            lastTimestamp = timestamp;
            trace.write(line, space + 1, line.length - space - 1);
        } else {
            trace.write(line, 0, line.length);
        }
    }

    private synchronized void flushPartialLine() {
        if (partialLine.size() > 0) {
            byte[] rest = partialLine.toByteArray();
            partialLine.reset();
            int space = indexOf(rest, (byte) ' ');
            if (space > 0 && space <= 40 && Character.isDigit(rest[0])) {
                trace.write(rest, space + 1, rest.length - space - 1);
            } else {
                trace.write(rest, 0, rest.length);
            }
        }
    }

    private int sinceSeconds() {
        if (lastTimestamp.isEmpty()) {
            return 0;
        }
        try {
            return (int) Instant.parse(lastTimestamp).getEpochSecond();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static int compareTimestamps(String a, String b) {
        try {
            return Instant.parse(a).compareTo(Instant.parse(b));
        } catch (RuntimeException e) {
            return a.compareTo(b);
        }
    }

    private boolean isRunning() {
        try {
            Boolean running = docker.inspectContainerCmd(containerId).exec().getState().getRunning();
            return Boolean.TRUE.equals(running);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static int indexOf(byte[] bytes, byte wanted) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private static void closeQuietly(ResultCallback.Adapter<Frame> callback) {
        try {
            callback.close();
        } catch (IOException ignored) {
            // the stream is being abandoned anyway
        }
    }
}
