package org.cleverrunner.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Every call, successful or not, logged at TRACE: no runner or job token in any line or exception message. */
class SecretsInLogsTest {

    static final String RUNNER_TOKEN = "glrt-logsecretrunner0001";
    static final String LEGACY_RUNNER_TOKEN = "legacyrunnertoken0002";
    static final String JOB_TOKEN = "glcbt-64_logsecretjob0003";
    static final String REGISTRATION_TOKEN = "GR1348941logsecretreg0004";

    MockWebServer server;
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger("org.cleverrunner");
    List<String> exceptionMessages = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start(0);
        appender.start();
        root.addAppender(appender);
        root.setLevel(Level.TRACE);
    }

    @AfterEach
    void stop() {
        root.detachAppender(appender);
        server.close();
    }

    void capture(Runnable call, int status, String sentToken) {
        String echo = "{\"message\":\"denied for " + sentToken + " " + RUNNER_TOKEN + " " + JOB_TOKEN
                + "\",\"token_expires_at\":\"" + sentToken + "\"}";
        for (int i = 0; i < (org.cleverrunner.coordinator.internal.ProtocolRetries.isRetryableStatus(status) ? 5 : 1); i++) {
            server.enqueue(new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json")
                    .body(echo).build());
        }
        capture(call);
    }

    void capture(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                exceptionMessages.add(t.toString());
            }
        }
    }

    @Test
    void noTokenInAnyLogLineOrException() {
        CoordinatorClient client = CoordinatorClient.builder().url(server.url("/").toString())
                .sleeper(d -> { }).build();
        // Each answer echoes the token the call sent (prefixed or not) and other GitLab-shaped tokens.
        capture(() -> client.register(RegistrationRequest.of(REGISTRATION_TOKEN, "r", List.of())), 403,
                REGISTRATION_TOKEN);
        capture(() -> client.verify(LEGACY_RUNNER_TOKEN, "s_000000000000"), 400, LEGACY_RUNNER_TOKEN);
        capture(() -> client.requestJob(new JobRequest(LEGACY_RUNNER_TOKEN, null, null)), 403, LEGACY_RUNNER_TOKEN);
        capture(() -> client.updateJob(1, JOB_TOKEN, JobUpdate.running()), 500, JOB_TOKEN);
        capture(() -> client.unregister(LEGACY_RUNNER_TOKEN), 418, LEGACY_RUNNER_TOKEN);
        capture(() -> client.resetToken(LEGACY_RUNNER_TOKEN), 201, LEGACY_RUNNER_TOKEN);

        server.enqueue(new MockResponse.Builder().code(201).setHeader("Content-Type", "text/html")
                .body("<p>" + JOB_TOKEN + "</p>").build());
        capture(() -> client.requestJob(new JobRequest(RUNNER_TOKEN, null, null)));
        server.enqueue(new MockResponse.Builder().code(202).setHeader("Range", "0-3").build());
        capture(() -> client.patchTrace(1, JOB_TOKEN, 0, "abc".getBytes(StandardCharsets.UTF_8), 0, 3));
        server.enqueue(new MockResponse.Builder().code(201).setHeader("Content-Type", "application/json")
                .body("{\"id\":1,\"token\":\"" + JOB_TOKEN + "\",\"git_info\":{\"repo_url\":"
                        + "\"https://gitlab-ci-token:" + JOB_TOKEN + "@example.com/x.git\"}}").build());
        capture(() -> client.requestJob(new JobRequest(RUNNER_TOKEN, null, null)));
        server.close();
        capture(() -> client.requestJob(new JobRequest(RUNNER_TOKEN, null, null)));

        List<String> lines = appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).isNotEmpty();
        assertThat(exceptionMessages).hasSizeGreaterThanOrEqualTo(4);
        for (String text : concat(lines, exceptionMessages)) {
            assertThat(text).doesNotContain(RUNNER_TOKEN, LEGACY_RUNNER_TOKEN, JOB_TOKEN, REGISTRATION_TOKEN);
        }
    }

    /**
     * At the most verbose level of every logger the client and OkHttp use (slf4j TRACE, OkHttp's java.util.logging
     * at ALL, which a JUL bridge would forward), no header, body, token or trace content is logged.
     */
    @Test
    void nothingSecretAtTheMostVerboseLevelOfOkHttpsOwnLoggers() {
        String maskedValue = "MaskedVariableValue0005";
        java.util.logging.Logger okhttp = java.util.logging.Logger.getLogger("okhttp3");
        java.util.logging.Level previous = okhttp.getLevel();
        List<String> julLines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                julLines.add(record.getLoggerName() + " " + record.getMessage() + " "
                        + java.util.Arrays.toString(record.getParameters()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(java.util.logging.Level.ALL);
        okhttp.setLevel(java.util.logging.Level.ALL);
        okhttp.addHandler(handler);
        try {
            CoordinatorClient client = CoordinatorClient.builder().url(server.url("/").toString())
                    .sleeper(d -> { }).build();
            server.enqueue(new MockResponse.Builder().code(204).build());
            capture(() -> client.requestJob(new JobRequest(RUNNER_TOKEN, null, null)));
            server.enqueue(new MockResponse.Builder().code(202).setHeader("Range", "0-30").build());
            byte[] log = ("echo " + maskedValue + " " + JOB_TOKEN).getBytes(StandardCharsets.UTF_8);
            capture(() -> client.patchTrace(1, JOB_TOKEN, 0, log, 0, log.length));
            // the trace's rest taken, then the final state meets an outage
            server.enqueue(new MockResponse.Builder().code(202).setHeader("Range", "0-" + log.length).build());
            for (int i = 0; i < 5; i++) {
                server.enqueue(new MockResponse.Builder().code(503).build());
            }
            server.enqueue(new MockResponse.Builder().code(200).build());
            TraceBuffer trace = new TraceBuffer();
            trace.append(log);
            capture(() -> new TraceUploader(client, 1, JOB_TOKEN, trace).complete(JobState.SUCCESS, null, null));
        } finally {
            okhttp.removeHandler(handler);
            okhttp.setLevel(previous);
        }
        List<String> lines = appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).isNotEmpty();
        for (String text : concat(concat(lines, julLines), exceptionMessages)) {
            assertThat(text).doesNotContain(RUNNER_TOKEN, JOB_TOKEN, maskedValue, "RUNNER-TOKEN", "JOB-TOKEN");
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
