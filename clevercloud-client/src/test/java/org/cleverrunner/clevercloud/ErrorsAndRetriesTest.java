package org.cleverrunner.clevercloud;

import org.cleverrunner.http.RetryPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Error bodies, unusable answers, retries, and no credential in any exception or log line. */
class ErrorsAndRetriesTest {

    static final String ORG = "orga_1";
    static final String APP = "app_1";
    static final String TOKEN = "tok-abcdef-secret-oauth-token";
    static final String TOKEN_SECRET = "tsec-abcdef-secret-token-secret";
    static final String CONSUMER_SECRET = "csec-abcdef-consumer-secret";

    MockWebServer server;
    CleverCloudClient client;
    List<Duration> waits = new ArrayList<>();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger("org.cleverrunner");

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start(0);
        client = CleverCloudClient.builder().apiUrl(server.url("/").uri())
                .authentication(CleverCloudAuthentication.oauth1HmacSha512("ck", Secret.of(CONSUMER_SECRET),
                        Secret.of(TOKEN), Secret.of(TOKEN_SECRET)))
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(5), 2.0))
                .sleeper(waits::add).build();
        logs.start();
        root.addAppender(logs);
        root.setLevel(Level.TRACE);
    }

    @AfterEach
    void stop() {
        root.detachAppender(logs);
        server.close();
    }

    static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body).build();
    }

    static ApplicationCreation creation() {
        return ApplicationCreation.builder("job").instanceType("docker").instanceVersion("1")
                .instanceVariant("v").flavor("M").build();
    }

    @Test
    void cleverErrorBodyIsParsed() {
        server.enqueue(json(400, "{\"id\":557,\"message\":\"Application environment is invalid\",\"type\":\"error\","
                + "\"fields\":{\"CC_TROUBLESHOOT\":\"must be one of true, false\"},\"extra\":[1]}"));
        assertThatThrownBy(() -> client.replaceEnvironment(ORG, APP, java.util.Map.of("CC_TROUBLESHOOT", "x")))
                .isInstanceOfSatisfying(CleverCloudApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.kind()).isEqualTo(CleverCloudApiException.Kind.BAD_REQUEST);
                    assertThat(e.errorId()).isEqualTo(557);
                    assertThat(e.type()).isEqualTo("error");
                    assertThat(e.apiMessage()).isEqualTo("Application environment is invalid");
                    assertThat(e.fields()).containsEntry("CC_TROUBLESHOOT", "must be one of true, false");
                    assertThat(e.getMessage()).contains("replace environment", "400", "557",
                            "Application environment is invalid");
                });
    }

    @Test
    void statusKinds() {
        int[] statuses = {401, 403, 404, 409, 429, 500};
        CleverCloudApiException.Kind[] kinds = {CleverCloudApiException.Kind.UNAUTHORIZED,
                CleverCloudApiException.Kind.FORBIDDEN, CleverCloudApiException.Kind.NOT_FOUND,
                CleverCloudApiException.Kind.CONFLICT, CleverCloudApiException.Kind.RATE_LIMITED,
                CleverCloudApiException.Kind.SERVER_ERROR};
        CleverCloudClient once = client.toBuilder().retryPolicy(RetryPolicy.NONE).build();
        for (int i = 0; i < statuses.length; i++) {
            server.enqueue(json(statuses[i], "{\"id\":4004,\"type\":\"error\",\"message\":\"nope\"}"));
            CleverCloudApiException.Kind kind = kinds[i];
            assertThatThrownBy(() -> once.application(ORG, APP)).isInstanceOfSatisfying(
                    CleverCloudApiException.class, e -> assertThat(e.kind()).isEqualTo(kind));
        }
    }

    @Test
    void htmlErrorPageAndMissingFields() {
        server.enqueue(new MockResponse.Builder().code(404).setHeader("Content-Type", "text/html")
                .body("<html><body><h1>404 Not Found</h1></body></html>").build());
        assertThatThrownBy(() -> client.application(ORG, APP)).isInstanceOfSatisfying(CleverCloudApiException.class,
                e -> {
                    assertThat(e.isNotFound()).isTrue();
                    assertThat(e.errorId()).isNull();
                    assertThat(e.bodyExcerpt()).contains("404 Not Found");
                });
        server.enqueue(json(409, "{\"type\":\"error\"}"));
        assertThatThrownBy(() -> client.application(ORG, APP)).isInstanceOfSatisfying(CleverCloudApiException.class,
                e -> {
                    assertThat(e.kind()).isEqualTo(CleverCloudApiException.Kind.CONFLICT);
                    assertThat(e.errorId()).isNull();
                    assertThat(e.apiMessage()).isNull();
                    assertThat(e.fields()).isEmpty();
                });
    }

    @Test
    void unusableSuccessBodies() {
        server.enqueue(new MockResponse.Builder().code(200).setHeader("Content-Type", "text/html")
                .body("<html>maintenance</html>").build());
        assertThatThrownBy(() -> client.zones()).isInstanceOfSatisfying(CleverCloudResponseException.class, e -> {
            assertThat(e.status()).isEqualTo(200);
            assertThat(e.bodyExcerpt()).contains("maintenance");
        });
        server.enqueue(json(200, "{\"name\":\"par\"}"));
        assertThatThrownBy(() -> client.zones()).isInstanceOf(CleverCloudResponseException.class);
        server.enqueue(json(200, "{\"id\":{\"not\":\"a string\"},\"mem\":\"lots\"}"));
        assertThatThrownBy(() -> client.instances(ORG, APP)).isInstanceOf(CleverCloudResponseException.class);
        server.enqueue(json(200, ""));
        assertThatThrownBy(() -> client.application(ORG, APP)).isInstanceOf(CleverCloudResponseException.class)
                .hasMessageContaining("no body");
    }

    @Test
    void retries503ThenSucceedsWithAFreshSignature() throws Exception {
        server.enqueue(json(503, "{\"id\":0,\"message\":\"unavailable\",\"type\":\"error\"}"));
        server.enqueue(json(200, "[]"));
        assertThat(client.zones()).isEmpty();
        assertThat(server.getRequestCount()).isEqualTo(2);
        String first = server.takeRequest().getHeaders().get("Authorization");
        String second = server.takeRequest().getHeaders().get("Authorization");
        assertThat(first).isNotEqualTo(second); // a new nonce per attempt
        assertThat(waits).hasSize(1);
        assertThat(waits.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    }

    @Test
    void honoursRetryAfterCapped() {
        server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "2").build());
        server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "3600").build());
        server.enqueue(json(200, "[]"));
        client.zones();
        assertThat(waits).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @Test
    void givesUpAfterMaxAttempts() {
        for (int i = 0; i < 3; i++) {
            server.enqueue(json(502, "{\"message\":\"bad gateway\"}"));
        }
        assertThatThrownBy(() -> client.zones()).isInstanceOfSatisfying(CleverCloudApiException.class,
                e -> assertThat(e.kind()).isEqualTo(CleverCloudApiException.Kind.SERVER_ERROR));
        assertThat(server.getRequestCount()).isEqualTo(3);
        assertThat(waits).hasSize(2);
    }

    @Test
    void createIsRetriedOn429And503ButNotOn500() {
        server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "1").build());
        server.enqueue(json(503, "{}"));
        server.enqueue(json(200, "{\"id\":\"app_1\"}"));
        assertThat(client.createApplication(ORG, creation()).id()).isEqualTo("app_1");
        assertThat(server.getRequestCount()).isEqualTo(3);

        server.enqueue(json(500, "{\"id\":1,\"message\":\"boom\",\"type\":\"error\"}"));
        server.enqueue(json(200, "{\"id\":\"app_2\"}"));
        assertThatThrownBy(() -> client.createApplication(ORG, creation()))
                .isInstanceOf(CleverCloudApiException.class);
        assertThat(server.getRequestCount()).isEqualTo(4);
    }

    @Test
    void createIsNotRetriedAfterAReadTimeoutButGetIs() {
        CleverCloudClient impatient = client.toBuilder().readTimeout(Duration.ofMillis(200)).build();
        server.enqueue(json(200, "{\"id\":\"app_1\"}").newBuilder().headersDelay(2, TimeUnit.SECONDS).build());
        assertThatThrownBy(() -> impatient.createApplication(ORG, creation()))
                .isInstanceOf(CleverCloudTransportException.class).hasMessageContaining("create application");
        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(waits).isEmpty();

        server.enqueue(json(200, "[]").newBuilder().headersDelay(2, TimeUnit.SECONDS).build());
        server.enqueue(json(200, "[]"));
        assertThat(impatient.zones()).isEmpty();
        assertThat(waits).hasSize(1);
    }

    @Test
    void unreachableApiIsATransportException() {
        server.close();
        assertThatThrownBy(() -> client.zones()).isInstanceOf(CleverCloudTransportException.class)
                .hasMessageContaining("list zones");
        assertThat(waits).hasSize(2);
    }

    @Test
    void noCredentialInAnyExceptionOrLogLine() {
        String echo = "{\"id\":1,\"message\":\"denied for " + TOKEN + " / " + TOKEN_SECRET + "\",\"type\":\"error\","
                + "\"fields\":{\"token\":\"" + CONSUMER_SECRET + "\"},\"token\":\"" + TOKEN + "\"}";
        List<String> texts = new ArrayList<>();
        Runnable[] calls = {client::zones, () -> client.application(ORG, APP), () -> client.createApplication(ORG,
                creation()), () -> client.deleteApplication(ORG, APP), () -> client.stop(ORG, APP)};
        int[] statuses = {401, 403, 400, 500, 200};
        for (int i = 0; i < calls.length; i++) {
            for (int j = 0; j < 3; j++) {
                server.enqueue(statuses[i] == 200
                        ? new MockResponse.Builder().code(200).setHeader("Content-Type", "text/html")
                                .body("<p>" + TOKEN + " Authorization: Bearer " + TOKEN_SECRET + "</p>").build()
                        : json(statuses[i], echo));
            }
            try {
                calls[i].run();
            } catch (CleverCloudException e) {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    texts.add(t.toString());
                }
                if (e instanceof CleverCloudApiException api) {
                    texts.add(api.bodyExcerpt() + api.fields() + api.apiMessage());
                }
                if (e instanceof CleverCloudResponseException response) {
                    texts.add(response.bodyExcerpt());
                }
            }
        }
        server.close();
        try {
            client.zones();
        } catch (CleverCloudException e) {
            texts.add(e.toString());
        }
        logs.list.forEach(event -> texts.add(event.getFormattedMessage()));
        assertThat(texts).hasSizeGreaterThan(6);
        assertThat(String.join("\n", texts)).doesNotContain(TOKEN, TOKEN_SECRET, CONSUMER_SECRET);
        assertThat(logs.list).isNotEmpty();
    }
}
