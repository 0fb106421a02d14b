package org.cleverrunner.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cleverrunner.testkit.TestHttp.text;
import static org.cleverrunner.testkit.TestHttp.tree;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RunnerManagementTest {

    private FakeCoordinator fake;
    private TestHttp http;

    @BeforeEach
    void start() {
        fake = FakeCoordinator.builder().registrationToken("GR1348941reg").personalAccessToken("glpat-admin").start();
        http = new TestHttp(fake);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void registerCreatesAGlrtRunnerWithTags() {
        HttpResponse<byte[]> response = http.json("POST", "runners",
                "{\"token\":\"GR1348941reg\",\"description\":\"ci\",\"tag_list\":\"docker, linux\",\"run_untagged\":false,"
                        + "\"locked\":true,\"paused\":false,\"info\":{\"name\":\"clever-runner\"}}",
                "RUNNER-TOKEN", "GR1348941reg");
        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> v.startsWith("application/json"));
        JsonNode body = tree(response);
        assertThat(body.get("token").asText()).startsWith("t1_").doesNotStartWith("glrt-");
        assertThat(body.has("token_expires_at")).isTrue();
        assertThat(body.get("token_expires_at").isNull()).isTrue();
        RunnerHandle runner = fake.runner(body.get("id").asLong());
        assertThat(runner.tags()).containsExactlyInAnyOrder("docker", "linux");
        assertThat(runner.runUntagged()).isFalse();
        assertThat(runner.token()).isEqualTo(body.get("token").asText());
        assertThat(fake.runners()).contains(runner);

        HttpResponse<byte[]> bad = http.json("POST", "runners", "{\"token\":\"wrong\"}");
        assertThat(bad.statusCode()).isEqualTo(403);
        assertThat(text(bad)).isEqualTo("{\"message\":\"403 Forbidden\"}");
        assertThat(http.json("POST", "runners", "{\"token\":\"GR1348941reg\"}", "RUNNER-TOKEN", "other").statusCode())
                .isEqualTo(400);

        fake.disallowRegistrationTokens();
        assertThat(http.json("POST", "runners", "{\"token\":\"GR1348941reg\"}").statusCode()).isEqualTo(410);
    }

    @Test
    void verifyUnregisterAndManagers() {
        RunnerHandle runner = fake.addRunner("glrt-verify", Set.of(), true);
        HttpResponse<byte[]> verified = http.json("POST", "runners/verify",
                "{\"token\":\"glrt-verify\",\"system_id\":\"s_0123456789ab\",\"info\":{}}", "RUNNER-TOKEN", "glrt-verify");
        assertThat(verified.statusCode()).isEqualTo(200);
        assertThat(tree(verified).get("id").asLong()).isEqualTo(runner.id());
        assertThat(tree(verified).get("token").asText()).isEqualTo("glrt-verify");
        assertThat(runner.systemIds()).containsExactly("s_0123456789ab");
        assertThat(http.json("POST", "runners/verify", "{\"token\":\"glrt-nope\"}").statusCode()).isEqualTo(403);

        assertThat(http.json("DELETE", "runners/managers", "{\"token\":\"glrt-verify\",\"system_id\":\"s_other0000000\"}")
                .statusCode()).isEqualTo(404);
        assertThat(http.json("DELETE", "runners/managers", "{\"token\":\"glrt-verify\",\"system_id\":\"s_0123456789ab\"}")
                .statusCode()).isEqualTo(204);
        assertThat(http.json("DELETE", "runners/managers", "{\"token\":\"glrt-nope\",\"system_id\":\"s_0123456789ab\"}")
                .statusCode()).isEqualTo(403);
        // as Rails: the required system_id is checked before the token, so a bad token without one is a 400
        assertThat(http.json("DELETE", "runners/managers", "{\"token\":\"glrt-nope\"}").statusCode()).isEqualTo(400);
        assertThat(http.json("DELETE", "runners/managers", "{\"token\":\"glrt-verify\"}").statusCode()).isEqualTo(400);
        assertThat(fake.runners()).containsExactly(runner);

        assertThat(http.json("DELETE", "runners", "{\"token\":\"glrt-verify\"}").statusCode()).isEqualTo(204);
        assertThat(http.json("DELETE", "runners", "{\"token\":\"glrt-verify\"}").statusCode()).isEqualTo(403);
        assertThat(http.requestJob("glrt-verify").statusCode()).isEqualTo(403);
        assertThat(fake.runners()).isEmpty();
    }

    @Test
    void resetAuthenticationToken() {
        RunnerHandle runner = fake.addRunner("glrt-old", Set.of(), true);
        HttpResponse<byte[]> reset = http.json("POST", "runners/reset_authentication_token", "{\"token\":\"glrt-old\"}");
        assertThat(reset.statusCode()).isEqualTo(201);
        String fresh = tree(reset).get("token").asText();
        assertThat(fresh).startsWith("glrt-").isNotEqualTo("glrt-old").isEqualTo(runner.token());
        assertThat(Instant.parse(tree(reset).get("token_expires_at").asText())).isAfter(Instant.now());
        assertThat(http.requestJob("glrt-old").statusCode()).isEqualTo(403);
        assertThat(http.requestJob(fresh).statusCode()).isEqualTo(204);
        assertThat(http.json("POST", "runners/reset_authentication_token", "{\"token\":\"glrt-old\"}").statusCode())
                .isEqualTo(403);

        HttpRequest.Builder pat = http.request("runners/" + runner.id() + "/reset_authentication_token")
                .POST(HttpRequest.BodyPublishers.noBody());
        assertThat(http.send(pat.copy().header("PRIVATE-TOKEN", "glpat-wrong").build()).statusCode()).isEqualTo(401);
        HttpResponse<byte[]> byPat = http.send(pat.copy().header("PRIVATE-TOKEN", "glpat-admin").build());
        assertThat(byPat.statusCode()).isEqualTo(201);
        assertThat(tree(byPat).get("token").asText()).isEqualTo(runner.token()).isNotEqualTo(fresh);
        assertThat(http.send(http.request("runners/999/reset_authentication_token").header("PRIVATE-TOKEN", "glpat-admin")
                .POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode()).isEqualTo(404);
    }
}
