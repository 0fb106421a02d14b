package org.cleverrunner.testkit.clevercloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleverCloudFaultsTest {

    @TempDir
    Path tmp;

    @Test
    void nextCallsFailThenNormalBehaviourResumes() {
        try (CleverCloudSimulator sim = CleverCloudSimulator.builder().apiToken("t").start()) {
            CcHttp http = new CcHttp(sim, "Bearer t");
            String apps = "/v2/organisations/" + sim.organisationId() + "/applications";
            sim.faults().next(CleverEndpoint.APPLICATION_CREATE, 2).respond(503);
            assertThat(sim.faults().pending(CleverEndpoint.APPLICATION_CREATE)).isEqualTo(2);
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = http.send("POST", apps, CcHttp.createBody("x", "M"));
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(CcHttp.read(r.body()).path("type").asText()).isEqualTo("error");
            }
            assertThat(http.send("POST", apps, CcHttp.createBody("x", "M")).statusCode()).isEqualTo(200);
            assertThat(sim.applications()).hasSize(1);

            sim.faults().next(CleverEndpoint.APPLICATIONS_LIST).respond(429, Map.of("Retry-After", "7"));
            HttpResponse<String> limited = http.send("GET", apps, null);
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).hasValue("7");

            // A POST: the JDK client retries an idempotent GET once on a dropped connection.
            sim.faults().next(CleverEndpoint.APPLICATION_CREATE).dropConnection();
            assertThatThrownBy(() -> http.send("POST", apps, CcHttp.createBody("y", "M")))
                    .isInstanceOf(UncheckedIOException.class);
            assertThat(sim.requests(CleverEndpoint.APPLICATION_CREATE)).extracting(CleverRequest::status)
                    .contains(CleverRequest.DROPPED);
            assertThat(sim.applications()).hasSize(1);

            sim.faults().next(CleverEndpoint.SELF).delay(Duration.ofMillis(300));
            long t0 = System.nanoTime();
            assertThat(http.send("GET", "/v2/self", null).statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void aSeededFractionOfAllCallsFails() {
        try (CleverCloudSimulator sim = CleverCloudSimulator.builder().apiToken("t").start()) {
            CcHttp http = new CcHttp(sim, "Bearer t");
            sim.faults().fraction(0.3, 42).respondOneOf(500, 502, 503, 429);
            int failed = 0;
            for (int i = 0; i < 200; i++) {
                HttpResponse<String> r = http.send("GET", "/v2/organisations", null);
                if (r.statusCode() != 200) {
                    assertThat(r.statusCode()).isIn(500, 502, 503, 429);
                    assertThat(CcHttp.read(r.body()).path("id").asInt()).isEqualTo(r.statusCode());
                    failed++;
                }
            }
            assertThat(failed).isBetween(45, 75);
            sim.faults().clear();
            assertThat(http.send("GET", "/v2/organisations", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void deleteFailsTimesThenSucceeds() {
        try (CleverCloudSimulator sim = CleverCloudSimulator.builder().apiToken("t").start()) {
            CcHttp http = new CcHttp(sim, "Bearer t");
            String apps = "/v2/organisations/" + sim.organisationId() + "/applications";
            String id = http.json("POST", apps, CcHttp.createBody("x", "M")).path("id").asText();
            sim.faults().deleteFailsTimes(2);
            assertThat(http.send("DELETE", apps + "/" + id, null).statusCode()).isEqualTo(500);
            assertThat(http.send("DELETE", apps + "/" + id, null).statusCode()).isEqualTo(500);
            assertThat(sim.applications()).hasSize(1);
            assertThat(http.send("DELETE", apps + "/" + id, null).statusCode()).isEqualTo(200);
            sim.awaitNoApplications(Duration.ofSeconds(1));
        }
    }

    @Test
    void deploymentNeverUpKeepsTheInstanceDeploying() throws Exception {
        CleverCloudLifecycleTest.RecordingLauncher launcher = new CleverCloudLifecycleTest.RecordingLauncher();
        try (CleverCloudSimulator sim = CleverCloudSimulator.builder().apiToken("t").bootTime(Duration.ofMillis(100))
                .launcher(launcher).start()) {
            sim.faults().deploymentNeverUp("stuck");
            CcHttp http = new CcHttp(sim, "Bearer t");
            String apps = "/v2/organisations/" + sim.organisationId() + "/applications";
            JsonNode app = http.json("POST", apps, CcHttp.createBody("stuck", "M"));
            String id = app.path("id").asText();
            CleverCloudLifecycleTest.push(tmp.resolve("s"), app.path("deployment").path("url").asText(), "f");
            assertThatThrownBy(() -> sim.awaitInstanceUp(id, Duration.ofMillis(800))).isInstanceOf(AssertionError.class);
            assertThat(http.json("GET", apps + "/" + id + "/instances", null).get(0).path("state").asText())
                    .isEqualTo("DEPLOYING");
            assertThat(http.json("GET", apps + "/" + id + "/deployments", null).get(0).path("state").asText())
                    .isEqualTo("WIP");
            assertThat(launcher.envs).isEmpty();
        }
    }

    @Test
    void vanishedApplicationsStopAndAnswer404() throws Exception {
        CleverCloudLifecycleTest.RecordingLauncher launcher = new CleverCloudLifecycleTest.RecordingLauncher();
        try (CleverCloudSimulator sim = CleverCloudSimulator.builder().apiToken("t").bootTime(Duration.ofMillis(50))
                .launcher(launcher).start()) {
            CcHttp http = new CcHttp(sim, "Bearer t");
            String apps = "/v2/organisations/" + sim.organisationId() + "/applications";
            JsonNode app = http.json("POST", apps, CcHttp.createBody("gone", "M"));
            String id = app.path("id").asText();
            CleverCloudLifecycleTest.push(tmp.resolve("v"), app.path("deployment").path("url").asText(), "f");
            sim.awaitInstanceUp(id, Duration.ofSeconds(5));
            sim.faults().vanish(id);
            assertThat(http.send("GET", apps + "/" + id + "/instances", null).statusCode()).isEqualTo(404);
            assertThat(sim.endpointOf(id)).isEmpty();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> launcher.stops.get() == 1);
            assertThat(sim.application(id).deleted()).isTrue();
            assertThat(sim.createdApplications()).hasSize(1);
        }
    }

    @Test
    void redeployAndStopThroughTheInstancesEndpoint() throws Exception {
        CleverCloudLifecycleTest.RecordingLauncher launcher = new CleverCloudLifecycleTest.RecordingLauncher();
        try (CleverCloudSimulator sim = CleverCloudSimulator.builder().apiToken("t").bootTime(Duration.ofMillis(50))
                .launcher(launcher).start()) {
            CcHttp http = new CcHttp(sim, "Bearer t");
            String apps = "/v2/organisations/" + sim.organisationId() + "/applications";
            JsonNode app = http.json("POST", apps, CcHttp.createBody("re", "M"));
            String id = app.path("id").asText();
            assertThat(http.send("POST", apps + "/" + id + "/instances", null).statusCode()).isEqualTo(400);
            CleverCloudLifecycleTest.push(tmp.resolve("r"), app.path("deployment").path("url").asText(), "f");
            sim.awaitInstanceUp(id, Duration.ofSeconds(5));
            JsonNode restart = http.json("POST", apps + "/" + id + "/instances", null);
            assertThat(restart.path("deploymentId").asText()).startsWith("deployment_");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> launcher.envs.size() == 2
                    && sim.endpointOf(id).isPresent());
            assertThat(launcher.stops.get()).isEqualTo(1);
            http.json("DELETE", apps + "/" + id + "/instances", null);
            assertThat(http.json("GET", apps + "/" + id + "/instances", null)).isEmpty();
            assertThat(http.json("GET", apps + "/" + id + "/instances?withDeleted=true", null)).hasSize(2);
            assertThat(sim.application(id).state()).isEqualTo("SHOULD_BE_DOWN");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> launcher.stops.get() == 2);
        }
    }
}
