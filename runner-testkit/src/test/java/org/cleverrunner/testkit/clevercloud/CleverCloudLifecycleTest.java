package org.cleverrunner.testkit.clevercloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleverCloudLifecycleTest {

    @TempDir
    Path tmp;

    /** A launcher that records its calls and hands out distinct loopback endpoints. */
    static final class RecordingLauncher implements VmLauncher {
        final List<Map<String, String>> envs = new CopyOnWriteArrayList<>();
        final List<Path> checkouts = new CopyOnWriteArrayList<>();
        final AtomicInteger stops = new AtomicInteger();

        @Override
        public VmHandle launch(SimulatedApplication app, Map<String, String> env, Path checkout) {
            envs.add(env);
            checkouts.add(checkout);
            URI endpoint = URI.create("https://127.0.0.1:" + (40000 + envs.size()));
            return new VmHandle() {
                @Override
                public URI endpoint() {
                    return endpoint;
                }

                @Override
                public void stop() {
                    stops.incrementAndGet();
                }
            };
        }
    }

    static String push(Path work, String gitUrl, String file) throws Exception {
        return push(work, gitUrl, file, null, null);
    }

    /** Commits {@code file} and pushes it, with Basic credentials when a user is given. */
    static String push(Path work, String gitUrl, String file, String user, String password) throws Exception {
        try (Git git = Files.isDirectory(work.resolve(".git")) ? Git.open(work.toFile())
                : Git.init().setDirectory(work.toFile()).setInitialBranch("master").call()) {
            Files.writeString(work.resolve(file), "FROM scratch\n");
            git.add().addFilepattern(".").call();
            String sha = git.commit().setMessage("Job definition").setAuthor("t", "t@example.org")
                    .setCommitter("t", "t@example.org").call().name();
            var push = git.push().setRemote(gitUrl).setRefSpecs(new RefSpec("master:master"));
            if (user != null) {
                push.setCredentialsProvider(new org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider(user,
                        password));
            }
            push.call();
            return sha;
        }
    }

    @Test
    void createEnvPushBootUpAndDelete() throws Exception {
        RecordingLauncher launcher = new RecordingLauncher();
        try (CleverCloudSimulator sim = CleverCloudSimulator.builder().apiToken("t").bootTime(Duration.ofMillis(700))
                .oauth("consumer", "consumer-secret", "user-token", "user-secret").launcher(launcher).start()) {
            CcHttp http = new CcHttp(sim, "Bearer t");
            String apps = "/v2/organisations/" + sim.organisationId() + "/applications";
            JsonNode app = http.json("POST", apps, CcHttp.createBody("hpd-job-abc-1", "heptapod-runner-M"));
            String id = app.path("id").asText();
            assertThat(id).startsWith("app_");
            assertThat(app.path("instance").path("maxFlavor").path("name").asText()).isEqualTo("heptapod-runner-M");
            assertThat(app.path("instance").path("lifetime").asText()).isEqualTo("TASK");
            assertThat(app.path("deployment").path("repoState").asText()).isEqualTo("CREATED");
            String gitUrl = app.path("deployment").path("httpUrl").asText();
            assertThat(gitUrl).startsWith("http://127.0.0.1:").endsWith("/" + id + ".git");
            assertThat(app.path("deployment").path("url").asText()).startsWith("file:");
            assertThat(app.path("vhosts").get(0).path("fqdn").asText())
                    .isEqualTo(id.replace('_', '-') + ".cleverapps.io/");

            assertThat(http.json("GET", apps + "/" + id, null).path("name").asText()).isEqualTo("hpd-job-abc-1");
            JsonNode envd = http.json("PUT", apps + "/" + id + "/env",
                    "{\"CC_MOUNT_DOCKER_SOCKET\":\"true\",\"GATEWAY_TOKEN\":\"s3cret\"}");
            assertThat(envd.path("env").findValuesAsText("name")).containsExactly("CC_MOUNT_DOCKER_SOCKET", "GATEWAY_TOKEN");
            http.json("PUT", apps + "/" + id + "/env/EXTRA", "{\"value\":\"1\"}");
            http.json("DELETE", apps + "/" + id + "/env/EXTRA", null);
            assertThat(http.json("GET", apps + "/" + id + "/env", null).findValuesAsText("name"))
                    .containsExactly("CC_MOUNT_DOCKER_SOCKET", "GATEWAY_TOKEN");
            assertThat(http.json("GET", apps + "/" + id + "/instances", null)).isEmpty();

            // the push hosts take the OAuth token and secret (clever-tools' way), not nothing, not the API token
            for (String[] wrong : new String[][] {{null, null}, {"token", "t"}, {"user-token", "wrong"}}) {
                assertThatThrownBy(() -> push(tmp.resolve("ctx"), gitUrl, "Dockerfile", wrong[0], wrong[1]))
                        .as(String.valueOf(wrong[0])).hasMessageMatching("(?s).*(not authorized|Authentication is required).*");
            }
            String sha = push(tmp.resolve("ctx"), gitUrl, "Dockerfile", "user-token", "user-secret");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            JsonNode instances;
            do {
                instances = http.json("GET", apps + "/" + id + "/instances", null);
                Thread.sleep(20);
            } while (instances.isEmpty() && System.nanoTime() < deadline);
            assertThat(instances.get(0).path("state").asText()).isEqualTo("BOOTING");
            assertThat(instances.get(0).path("commit").asText()).isEqualTo(sha);
            JsonNode deps = http.json("GET", apps + "/" + id + "/deployments", null);
            assertThat(deps.get(0).path("state").asText()).isEqualTo("WIP");
            assertThat(launcher.envs).isEmpty();

            URI endpoint = sim.awaitInstanceUp(id, Duration.ofSeconds(10));
            assertThat(endpoint).isEqualTo(URI.create("https://127.0.0.1:40001"));
            assertThat(http.json("GET", apps + "/" + id + "/instances", null).get(0).path("state").asText()).isEqualTo("UP");
            String uuid = deps.get(0).path("uuid").asText();
            assertThat(http.json("GET", apps + "/" + id + "/deployments/" + uuid, null).path("state").asText()).isEqualTo("OK");
            JsonNode up = http.json("GET", apps + "/" + id, null);
            assertThat(up.path("vhosts").get(0).path("fqdn").asText()).isEqualTo("127.0.0.1:40001/");
            assertThat(up.path("deployUrl").asText()).isEqualTo("https://127.0.0.1:40001");
            assertThat(up.path("state").asText()).isEqualTo("SHOULD_BE_UP");
            assertThat(launcher.envs).hasSize(1);
            assertThat(launcher.envs.get(0)).containsEntry("GATEWAY_TOKEN", "s3cret").containsEntry("APP_ID", id)
                    .containsEntry("COMMIT_ID", sha);
            assertThat(launcher.checkouts.get(0).resolve("Dockerfile")).hasContent("FROM scratch\n");
            SimulatedApplication snap = sim.application(id);
            assertThat(snap.creationBody().path("instanceVariant").asText()).isEqualTo(CleverCloudSimulator.HEPTAPOD_RUNNER_VARIANT);
            assertThat(snap.env()).containsEntry("CC_MOUNT_DOCKER_SOCKET", "true");

            HttpResponse<String> del = http.send("DELETE", apps + "/" + id, null);
            assertThat(del.statusCode()).isEqualTo(200);
            assertThat(CcHttp.read(del.body()).path("id").asInt()).isEqualTo(302);
            sim.awaitNoApplications(Duration.ofSeconds(2));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> launcher.stops.get() == 1);
            HttpResponse<String> gone = http.send("GET", apps + "/" + id, null);
            assertThat(gone.statusCode()).isEqualTo(404);
            assertThat(CcHttp.read(gone.body()).path("id").asInt()).isEqualTo(4004);
            assertThat(http.send("DELETE", apps + "/" + id, null).statusCode()).isEqualTo(404);
            assertThat(sim.createdApplications()).singleElement().satisfies(a -> {
                assertThat(a.deleted()).isTrue();
                assertThat(a.instances()).allMatch(i -> i.state().equals("DELETED"));
                assertThat(a.billedSeconds()).isEqualTo(10);
            });
            assertThat(sim.billing()).containsEntry("heptapod-runner-M", 10L);
            assertThat(launcher.envs).hasSize(1);
        }
    }

    @Test
    void creationIsValidated() {
        try (CleverCloudSimulator sim = CleverCloudSimulator.builder().apiToken("t").start()) {
            CcHttp http = new CcHttp(sim, "Bearer t");
            String apps = "/v2/organisations/" + sim.organisationId() + "/applications";
            HttpResponse<String> flavor = http.send("POST", apps, CcHttp.createBody("a", "heptapod-runner-9XL"));
            assertThat(flavor.statusCode()).isEqualTo(400);
            assertThat(CcHttp.read(flavor.body()).path("type").asText()).isEqualTo("error");
            assertThat(flavor.body()).contains("heptapod-runner-9XL");
            HttpResponse<String> zone = http.send("POST", apps, CcHttp.createBody("a", "heptapod-runner-M").replace("\"par\"", "\"mars\""));
            assertThat(zone.statusCode()).isEqualTo(400);
            HttpResponse<String> noVersion = http.send("POST", apps,
                    CcHttp.createBody("a", "M").replace("\"instanceVersion\":\"20231213\",", ""));
            assertThat(noVersion.statusCode()).isEqualTo(400);
            assertThat(CcHttp.read(noVersion.body()).path("fields").has("instanceVersion")).isTrue();
            HttpResponse<String> badVersion = http.send("POST", apps, CcHttp.createBody("a", "M").replace("20231213", "1"));
            assertThat(CcHttp.read(badVersion.body()).path("id").asInt()).isEqualTo(9017);
            // Flavor names are case-insensitive, as the reference observed.
            assertThat(http.send("POST", apps, CcHttp.createBody("a", "xs")).statusCode()).isEqualTo(200);
            assertThat(sim.applications()).singleElement().extracting(SimulatedApplication::flavor).isEqualTo("XS");
            assertThat(http.send("GET", "/v2/organisations/orga_other/applications", null).statusCode()).isEqualTo(403);
            assertThatThrownBy(() -> sim.awaitNoApplications(Duration.ofMillis(100))).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("a (app_");
        }
    }

    @Test
    void repositoryIsCreatingForAWhileAndSelfMirrorsThePersonalSpace() throws Exception {
        try (CleverCloudSimulator sim = CleverCloudSimulator.builder().organisationToken("o")
                .repoCreationDelay(Duration.ofMillis(300)).start()) {
            CcHttp http = new CcHttp(sim, "token o");
            JsonNode app = http.json("POST", "/v2/self/applications", CcHttp.createBody("mine", "S"));
            assertThat(app.path("ownerId").asText()).isEqualTo(sim.userId());
            assertThat(app.path("deployment").path("repoState").asText()).isEqualTo("CREATING");
            Thread.sleep(350);
            String id = app.path("id").asText();
            assertThat(http.json("GET", "/v2/self/applications/" + id, null).path("deployment").path("repoState").asText())
                    .isEqualTo("CREATED");
            // An application is only visible under its owner.
            assertThat(http.send("GET", "/v2/organisations/" + sim.organisationId() + "/applications/" + id, null)
                    .statusCode()).isEqualTo(404);
        }
    }

    @Test
    void billingRoundsEachInstanceUpToTenSeconds() {
        assertThat(CleverCloudSimulator.billedSeconds(Duration.ZERO)).isZero();
        assertThat(CleverCloudSimulator.billedSeconds(Duration.ofMillis(1))).isEqualTo(10);
        assertThat(CleverCloudSimulator.billedSeconds(Duration.ofSeconds(10))).isEqualTo(10);
        assertThat(CleverCloudSimulator.billedSeconds(Duration.ofMillis(10_001))).isEqualTo(20);
        assertThat(CleverCloudSimulator.billedSeconds(Duration.ofSeconds(31))).isEqualTo(40);
    }

    @Test
    void billingFollowsTheClockAndSurvivesDeletion() throws Exception {
        MutableClock clock = new MutableClock();
        try (CleverCloudSimulator sim = CleverCloudSimulator.builder().apiToken("t").clock(clock)
                .bootTime(Duration.ofMillis(50)).start()) {
            CcHttp http = new CcHttp(sim, "Bearer t");
            String apps = "/v2/organisations/" + sim.organisationId() + "/applications";
            JsonNode app = http.json("POST", apps, CcHttp.createBody("billed", "heptapod-runner-S"));
            String id = app.path("id").asText();
            push(tmp.resolve("b"), app.path("deployment").path("url").asText(), "f");
            sim.awaitInstanceUp(id, Duration.ofSeconds(5));
            clock.advance(Duration.ofSeconds(31));
            assertThat(sim.billedSeconds(id)).isEqualTo(40);
            http.json("DELETE", apps + "/" + id, null);
            clock.advance(Duration.ofHours(1));
            assertThat(sim.billedSeconds(id)).isEqualTo(40);
            assertThat(sim.billingRecords()).singleElement().satisfies(r -> {
                assertThat(r.deleted()).isTrue();
                assertThat(r.flavor()).isEqualTo("heptapod-runner-S");
                assertThat(r.estimatedCost()).isCloseTo(40 * 0.2778 / 3600, org.assertj.core.data.Offset.offset(1e-9));
            });
        }
    }

    static final class MutableClock extends java.time.Clock {
        private volatile java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }
}
