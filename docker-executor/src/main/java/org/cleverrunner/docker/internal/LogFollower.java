package org.cleverrunner.docker.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.cleverrunner.spi.Trace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a container's output into the trace, every entry once and in order, with
 * {@code logs?follow=1&timestamps=1}, a plain streamed answer (no attach); {@link LogCursor} strips each entry's
 * timestamp and knows what was written.
 *
 * <p>The request goes through docker-java's {@link DockerHttpClient}, not {@code logContainerCmd}: docker-java hands
 * a frame's payload over in pieces of at most 1024 bytes, which hides where an entry (and its timestamp) starts.
 *
 * <p>A stream that ends while the container runs was cut (proxies cut long streams): it is asked again from the
 * cursor's resume point. Once the container has stopped, a last non-follow read from the resume point drains what
 * the followed stream had not delivered: the engine may end a followed stream before it has read the whole log
 * file when the container exits.
 */
public final class LogFollower {

    /** How long a caller waits for a follower to drain a stopped container's log before going on without it. */
    public static final Duration DRAIN_BOUND = Duration.ofMinutes(10);

    private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);
    private static final int MAX_ROUNDS = 10_000;
    private static final int MAX_DRAIN_ATTEMPTS = 50;

    private final DockerClient docker;
    private final DockerHttpClient http;
    private final String containerId;
    private final LogCursor cursor;

    public LogFollower(DockerClient docker, String containerId, Trace trace) {
        this.docker = docker;
        this.containerId = containerId;
        this.cursor = new LogCursor(trace);
        DockerHttpClient client = docker instanceof DockerClientImpl ? ((DockerClientImpl) docker).getHttpClient()
                : null;
        if (client == null) {
            LOG.warn("cannot follow the log of {}: {} has no DockerHttpClient", containerId, docker);
            throw new IllegalArgumentException("a LogFollower needs a DockerClientImpl built with a DockerHttpClient");
        }
        this.http = client;
    }

    /** Follows until the container has stopped and its whole log is written. */
    public void follow() throws InterruptedException {
        int idle = 0;
        for (int round = 0; ; round++) {
            long before = cursor.entries();
            String cut = read(true);
            if (!mayBeRunning()) {
                break;
            }
            LOG.debug("log stream of {} ended while it runs ({}), resuming from {}", containerId, cut,
                    cursor.resume());
            if (round >= MAX_ROUNDS) {
                LOG.warn("the log stream of {} keeps breaking; draining it once it has stopped", containerId);
                break;
            }
            // back off only while resumed streams bring nothing
            idle = cursor.entries() > before ? 0 : idle + 1;
            Thread.sleep(Math.min(1000, 20L * idle));
        }
        for (int idleAttempts = 0; ; ) {
            long before = cursor.entries();
            String cut = read(false);
            if (cut == null) {
                return;
            }
            // only reads that bring nothing count against the bound: a slow, often cut drain goes on
            idleAttempts = cursor.entries() > before ? 0 : idleAttempts + 1;
            if (idleAttempts >= MAX_DRAIN_ATTEMPTS || !exists()) {
                LOG.warn("could not read the end of the log of {} ({}): its last output may be missing",
                        containerId, cut);
                return;
            }
            LOG.debug("draining the log of {} was cut ({}), again from {}", containerId, cut, cursor.resume());
            Thread.sleep(Math.min(1000, 50L * idleAttempts));
        }
    }

    /**
     * Waits for a follower thread to finish draining, at most {@link #DRAIN_BOUND}; logs when the bound is hit (the
     * thread then goes on alone and its late output may be dropped).
     */
    public static void awaitDrained(Thread follower, String containerId) throws InterruptedException {
        follower.join(DRAIN_BOUND.toMillis());
        if (follower.isAlive()) {
            LOG.warn("the log of {} was still being read {} after its end: going on without waiting for it",
                    containerId, DRAIN_BOUND);
        }
    }

    /** One {@code logs} request from the cursor's resume point; returns null when read to its end, else why not. */
    private String read(boolean follow) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while following the log of " + containerId);
        }
        LogCursor.Resume from = cursor.resume();
        String path = "/containers/" + containerId + "/logs?stdout=1&stderr=1&timestamps=1&follow="
                + (follow ? 1 : 0) + (from.since().isEmpty() ? "" : "&since=" + from.since());
        DockerHttpClient.Request request = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET).path(path).build();
        try (DockerHttpClient.Response response = http.execute(request)) {
            InputStream body = response.getBody();
            if (response.getStatusCode() != 200) {
                byte[] message = body == null ? new byte[0] : body.readNBytes(1024);
                return "HTTP " + response.getStatusCode() + " " + new String(message, StandardCharsets.UTF_8).trim();
            }
            cursor.read(new BufferedInputStream(body, 64 * 1024), from);
            return null;
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }

    /**
     * False only when the engine says the container is not running (or is gone): a failed inspection (the engine
     * out of reach, a proxy cutting) must not end the follow early, since a drain of a running container would
     * miss its later output.
     */
    private boolean mayBeRunning() throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                Boolean running = docker.inspectContainerCmd(containerId).exec().getState().getRunning();
                return Boolean.TRUE.equals(running);
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                return false;
            } catch (RuntimeException e) {
                if (attempt >= 5) {
                    LOG.debug("cannot inspect {} ({}), following its log again", containerId, e.toString());
                    return true;
                }
                Thread.sleep(50L * attempt);
            }
        }
    }

    private boolean exists() {
        try {
            docker.inspectContainerCmd(containerId).exec();
            return true;
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            return true; // unreachable for now: worth another attempt
        }
    }
}
