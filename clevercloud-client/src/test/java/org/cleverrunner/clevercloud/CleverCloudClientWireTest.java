package org.cleverrunner.clevercloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pins every call's method, path, query, headers and JSON body, and how realistic answers parse. */
class CleverCloudClientWireTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ORG = "orga_0f1e2d3c-aaaa-4bbb-8ccc-ddddeeeeffff";
    static final String APP = "app_5a2b7c3e-1111-4222-8333-944455556666";
    static final String APP_PATH = "/v2/organisations/" + ORG + "/applications/" + APP;
    static final String DEPLOYMENT = "deployment_9d8c7b6a-0000-4000-8000-000000000020";

    MockWebServer server;
    CleverCloudClient client;
    List<Duration> waits = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start(0);
        client = CleverCloudClient.builder().apiUrl(server.url("/").uri())
                .authentication(CleverCloudAuthentication.apiToken(Secret.of("wire-api-token")))
                .sleeper(waits::add).build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String resource(String name) {
        try (InputStream in = CleverCloudClientWireTest.class.getResourceAsStream("/api/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body).build();
    }

    void answer(String resource) {
        server.enqueue(json(200, resource(resource)));
    }

    RecordedRequest take(String method, String pathAndQuery) throws InterruptedException {
        RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(request).isNotNull();
        assertThat(request.getMethod()).isEqualTo(method);
        assertThat(request.getUrl().encodedPath() + (request.getUrl().encodedQuery() == null ? ""
                : "?" + request.getUrl().encodedQuery())).isEqualTo(pathAndQuery);
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer wire-api-token");
        assertThat(request.getHeaders().get("Accept")).isEqualTo("application/json");
        assertThat(request.getHeaders().get("User-Agent")).startsWith("clever-runner clevercloud-client");
        return request;
    }

    static JsonNode jsonBody(RecordedRequest request) throws IOException {
        assertThat(request.getHeaders().get("Content-Type")).isEqualTo("application/json");
        return JSON.readTree(request.getBody().utf8());
    }

    static void noBody(RecordedRequest request) {
        assertThat(request.getBodySize()).isZero();
    }

    // ------------------------------------------------------------------ organisations

    @Test
    void self() throws Exception {
        answer("self.json");
        User user = client.self();
        noBody(take("GET", "/v2/self"));
        assertThat(user.id()).isEqualTo("user_11112222-3333-4444-5555-666677778888");
        assertThat(user.preferredMfa()).isEqualTo("TOTP");
        assertThat(user.oauthApps()).isEmpty();
        assertThat(user.creationDate()).isEqualTo(1700000000000L);
    }

    @Test
    void organisations() throws Exception {
        answer("organisations.json");
        List<Organisation> organisations = client.organisations();
        take("GET", "/v2/organisations");
        assertThat(organisations).extracting(Organisation::isOrganisation).containsExactly(false, true);
        Organisation octo = organisations.get(1);
        assertThat(octo.vat()).isEqualTo("FR00123456789");
        assertThat(octo.canSepa()).isTrue();
        assertThat(octo.trusted()).isTrue();
        assertThat(octo.vatState()).isEqualTo("VALID");
    }

    @Test
    void organisation() throws Exception {
        answer("organisation.json");
        Organisation organisation = client.organisation(ORG);
        take("GET", "/v2/organisations/" + ORG);
        assertThat(organisation.name()).isEqualTo("Octo CI");
        assertThat(organisation.billingEmail()).isEqualTo("billing@example.com");
    }

    // ------------------------------------------------------------------ products

    @Test
    void instanceTypes() throws Exception {
        answer("instance-types.json");
        List<InstanceType> types = client.instanceTypes();
        take("GET", "/v2/products/instances");
        InstanceType docker = types.get(0);
        assertThat(docker.name()).isEqualTo("Docker");
        assertThat(docker.version()).isEqualTo("20240101");
        assertThat(docker.variant().id()).isEqualTo("70d676a0-a775-4dc9-a43d-3121036e8515");
        assertThat(docker.defaultFlavor().priceId()).isEqualTo("heptapod-runner.M");
        assertThat(docker.defaultFlavor().memory().formatted()).isEqualTo("8192 MiB");
        assertThat(types.get(1).isEnabled()).isFalse();
        assertThat(types.get(1).tags()).isEmpty();

        answer("instance-types.json");
        client.instanceTypes(ORG);
        take("GET", "/v2/products/instances?for=" + ORG);
    }

    @Test
    void flavors() throws Exception {
        answer("flavors.json");
        List<Flavor> flavors = client.flavors("heptapod-runner");
        take("GET", "/v2/products/flavors?context=heptapod-runner");
        assertThat(flavors).filteredOn(Flavor::isAvailable).extracting(Flavor::name)
                .containsExactly("heptapod-runner-S", "heptapod-runner-M", "jenkins-runner-XL");
        assertThat(flavors.get(1).mem()).isEqualTo(8192);
        assertThat(flavors.get(1).cpus()).isEqualTo(4);
        assertThat(flavors.get(1).machineLearning()).isFalse();
    }

    @Test
    void zones() throws Exception {
        answer("zones.json");
        List<Zone> zones = client.zones();
        take("GET", "/v2/products/zones");
        assertThat(zones).extracting(Zone::name).containsExactly("par", "mtl", "clevergrid");
        assertThat(zones.get(2).internal()).isTrue();
    }

    // ------------------------------------------------------------------ applications

    static ApplicationCreation jobApplication() {
        return ApplicationCreation.builder("hpd-job-abc123456-42")
                .instanceType("docker").instanceVersion("20240101")
                .instanceVariant("70d676a0-a775-4dc9-a43d-3121036e8515")
                .instanceLifetime(InstanceLifetime.TASK)
                .flavor("heptapod-runner-M")
                .env(Map.of("CC_MOUNT_DOCKER_SOCKET", "true"))
                .build();
    }

    @Test
    void createApplicationSendsEveryFieldSet() throws Exception {
        answer("application.json");
        Application application = client.createApplication(ORG, jobApplication());
        JsonNode body = jsonBody(take("POST", "/v2/organisations/" + ORG + "/applications"));
        assertThat(body).isEqualTo(JSON.readTree("""
                {"name":"hpd-job-abc123456-42","description":"hpd-job-abc123456-42","zone":"par","deploy":"git",
                 "instanceType":"docker","instanceVersion":"20240101",
                 "instanceVariant":"70d676a0-a775-4dc9-a43d-3121036e8515","instanceLifetime":"TASK",
                 "minInstances":1,"maxInstances":1,"minFlavor":"heptapod-runner-M","maxFlavor":"heptapod-runner-M",
                 "env":{"CC_MOUNT_DOCKER_SOCKET":"true"}}"""));
        assertThat(application.id()).isEqualTo(APP);
    }

    @Test
    void createApplicationWithEveryField() throws Exception {
        answer("application.json");
        ApplicationCreation all = jobApplication().toBuilder()
                .description("a job").zone("mtl").deploy("git").shutdownable(true).minInstances(1).maxInstances(2)
                .minFlavor("XS").maxFlavor("M").tags(List.of("ci", "job")).archived(false).stickySessions(false)
                .homogeneous(true).favourite(false).cancelOnPush(true).buildFlavor("L").oauthService("github")
                .oauthAppId("oa_1").oauthApp(new ApplicationCreation.OAuthApp("octo", "repo")).applianceId("ap_1")
                .branch("main").forceHttps(ForceHttps.ENABLED).instanceLifetime(InstanceLifetime.REGULAR).build();
        client.createApplication(ORG, all);
        JsonNode body = jsonBody(take("POST", "/v2/organisations/" + ORG + "/applications"));
        assertThat(body).isEqualTo(JSON.readTree("""
                {"name":"hpd-job-abc123456-42","description":"a job","zone":"mtl","deploy":"git","shutdownable":true,
                 "instanceType":"docker","instanceVersion":"20240101",
                 "instanceVariant":"70d676a0-a775-4dc9-a43d-3121036e8515","instanceLifetime":"REGULAR",
                 "minInstances":1,"maxInstances":2,"minFlavor":"XS","maxFlavor":"M","tags":["ci","job"],
                 "archived":false,"stickySessions":false,"homogeneous":true,"favourite":false,"cancelOnPush":true,
                 "separateBuild":true,"buildFlavor":"L","oauthService":"github","oauthAppId":"oa_1",
                 "oauthApp":{"owner":"octo","name":"repo"},"applianceId":"ap_1","branch":"main",
                 "forceHttps":"ENABLED","env":{"CC_MOUNT_DOCKER_SOCKET":"true"}}"""));
    }

    @Test
    void applicationParsesTheFullView() throws Exception {
        answer("application.json");
        Application app = client.application(ORG, APP);
        noBody(take("GET", APP_PATH));
        assertThat(app.instance().lifetime()).isEqualTo(InstanceLifetime.TASK);
        assertThat(app.instance().minFlavor().name()).isEqualTo("heptapod-runner-M");
        assertThat(app.instance().defaultEnv()).containsEntry("CC_DOCKERFILE", "Dockerfile");
        assertThat(app.deployment().repoState()).isEqualTo(RepoState.CREATED);
        assertThat(app.isRepositoryReady()).isTrue();
        assertThat(app.gitDeploymentUrl()).contains("https://push-n2-par-clevercloud-customers.services"
                + ".clever-cloud.com/" + APP + ".git");
        assertThat(app.fqdns()).containsExactly("app-5a2b7c3e-1111-4222-8333-944455556666.cleverapps.io/");
        assertThat(Application.cleverAppsHost(APP)).isEqualTo("app-5a2b7c3e-1111-4222-8333-944455556666.cleverapps.io");
        assertThat(app.lastDeploy()).isZero();
        assertThat(app.state()).isEqualTo(ApplicationState.SHOULD_BE_DOWN);
        assertThat(app.forceHttps()).isEqualTo(ForceHttps.DISABLED);
        assertThat(app.environment()).containsEntry("CC_MOUNT_DOCKER_SOCKET", "true");
        assertThat(app.webhookSecret().reveal()).isEqualTo("whsec-very-secret-value");
        assertThat(app.toString()).doesNotContain("whsec-very-secret-value");
        assertThat(app.buildFlavor()).isNull();
    }

    @Test
    void applications() throws Exception {
        answer("applications.json");
        List<Application> apps = client.applications(ORG);
        take("GET", "/v2/organisations/" + ORG + "/applications");
        assertThat(apps).extracting(Application::name).containsExactly("hpd-job-abc123456-42", "other");
        assertThat(apps.get(1).state()).isEqualTo(ApplicationState.UNKNOWN);
    }

    @Test
    void updateApplication() throws Exception {
        answer("application.json");
        client.updateApplication(ORG, APP, jobApplication().toBuilder().flavor("heptapod-runner-L").env(null).build());
        JsonNode body = jsonBody(take("PUT", APP_PATH));
        assertThat(body.get("minFlavor").asText()).isEqualTo("heptapod-runner-L");
        assertThat(body.get("maxFlavor").asText()).isEqualTo("heptapod-runner-L");
        assertThat(body.has("env")).isFalse();
    }

    @Test
    void deleteApplication() throws Exception {
        server.enqueue(json(200, "{\"id\":302,\"message\":\"deleted\",\"type\":\"success\"}"));
        assertThat(client.deleteApplication(ORG, APP)).isEqualTo(DeletionResult.DELETED);
        noBody(take("DELETE", APP_PATH));
        server.enqueue(json(404, "{\"id\":4004,\"type\":\"error\",\"message\":\"Not Found\"}"));
        assertThat(client.deleteApplication(ORG, APP)).isEqualTo(DeletionResult.ALREADY_GONE);
        take("DELETE", APP_PATH);
    }

    @Test
    void awaitRepositoryReady() throws Exception {
        String creating = resource("application.json").replace("\"CREATED\"", "\"CREATING\"");
        server.enqueue(json(200, creating));
        server.enqueue(json(200, creating));
        answer("application.json");
        assertThat(client.awaitRepositoryReady(ORG, APP, Duration.ofSeconds(20), Duration.ofSeconds(2)))
                .hasValueSatisfying(app -> assertThat(app.isRepositoryReady()).isTrue());
        assertThat(waits).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    // ------------------------------------------------------------------ environment

    @Test
    void environment() throws Exception {
        answer("env.json");
        List<EnvironmentVariable> env = client.environment(ORG, APP);
        take("GET", APP_PATH + "/env");
        assertThat(env).extracting(EnvironmentVariable::name).containsExactly("CC_MOUNT_DOCKER_SOCKET", "RUNNER_TOKEN");
        assertThat(env.toString()).doesNotContain("glrt-envsecretvalue");
    }

    @Test
    void replaceEnvironment() throws Exception {
        answer("application.json");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CC_MOUNT_DOCKER_SOCKET", "true");
        env.put("CI_JOB_ID", "42");
        Application app = client.replaceEnvironment(ORG, APP, env);
        assertThat(jsonBody(take("PUT", APP_PATH + "/env")))
                .isEqualTo(JSON.readTree("{\"CC_MOUNT_DOCKER_SOCKET\":\"true\",\"CI_JOB_ID\":\"42\"}"));
        assertThat(app.env()).hasSize(1);
        // The Heptapod runner's tests fake an empty object: tolerated.
        server.enqueue(json(200, "{}"));
        assertThat(client.replaceEnvironment(ORG, APP, Map.of()).env()).isEmpty();
        assertThat(jsonBody(take("PUT", APP_PATH + "/env"))).isEqualTo(JSON.readTree("{}"));
    }

    @Test
    void setAndDeleteEnvironmentVariable() throws Exception {
        answer("application.json");
        client.setEnvironmentVariable(ORG, APP, "CI_JOB_ID", "42");
        assertThat(jsonBody(take("PUT", APP_PATH + "/env/CI_JOB_ID"))).isEqualTo(JSON.readTree("{\"value\":\"42\"}"));
        answer("application.json");
        client.deleteEnvironmentVariable(ORG, APP, "CI_JOB_ID");
        noBody(take("DELETE", APP_PATH + "/env/CI_JOB_ID"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.setEnvironmentVariable(ORG, APP, "A B", "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ instances

    @Test
    void instances() throws Exception {
        answer("instances.json");
        List<Instance> instances = client.instances(ORG, APP);
        take("GET", APP_PATH + "/instances");
        assertThat(instances.get(0).isUp()).isTrue();
        assertThat(instances.get(0).flavor().name()).isEqualTo("heptapod-runner-M");
        assertThat(instances.get(0).deployId()).isEqualTo(DEPLOYMENT);
        assertThat(instances.get(1).state()).isEqualTo(InstanceState.UNKNOWN);
    }

    @Test
    void startOrRedeploy() throws Exception {
        answer("redeploy.json");
        DeploymentStarted started = client.startOrRedeploy(ORG, APP);
        noBody(take("POST", APP_PATH + "/instances"));
        assertThat(started.deploymentId()).isEqualTo(DEPLOYMENT);
        answer("redeploy.json");
        client.startOrRedeploy(ORG, APP, "0123456789abcdef", false);
        noBody(take("POST", APP_PATH + "/instances?commit=0123456789abcdef&useCache=no"));
    }

    @Test
    void stopApplication() throws Exception {
        server.enqueue(json(200, "{\"id\":104,\"message\":\"The application has been stopped\",\"type\":\"success\"}"));
        ApiMessage message = client.stop(ORG, APP);
        noBody(take("DELETE", APP_PATH + "/instances"));
        assertThat(message.type()).isEqualTo("success");
        assertThat(message.id()).isEqualTo(104);
    }

    // ------------------------------------------------------------------ deployments

    @Test
    void deployments() throws Exception {
        answer("deployments.json");
        List<Deployment> deployments = client.deployments(ORG, APP, 5);
        take("GET", APP_PATH + "/deployments?limit=5");
        assertThat(deployments.get(0).uuid()).isEqualTo(DEPLOYMENT);
        assertThat(deployments.get(0).state()).isEqualTo(DeploymentState.WIP);
        assertThat(deployments.get(0).author().name()).isEqualTo("Alice");
        assertThat(deployments.get(1).action()).isEqualTo(DeploymentAction.UNDEPLOY);
        answer("deployments.json");
        client.deployments(ORG, APP, null);
        take("GET", APP_PATH + "/deployments");
    }

    @Test
    void deploymentAndCancel() throws Exception {
        server.enqueue(json(200, deploymentJson("OK")));
        assertThat(client.deployment(ORG, APP, DEPLOYMENT).state()).isEqualTo(DeploymentState.OK);
        take("GET", APP_PATH + "/deployments/" + DEPLOYMENT);
        server.enqueue(json(200, "{\"id\":105,\"message\":\"cancelled\",\"type\":\"success\"}"));
        client.cancelDeployment(ORG, APP, DEPLOYMENT);
        take("DELETE", APP_PATH + "/deployments/" + DEPLOYMENT + "/instances");
    }

    static String deploymentJson(String state) {
        return "{\"id\":2,\"uuid\":\"" + DEPLOYMENT + "\",\"date\":1767225660000,\"state\":\"" + state
                + "\",\"action\":\"DEPLOY\",\"commit\":\"abc\",\"cause\":\"api\",\"instances\":1}";
    }

    /** A clock that the sleeper moves forward, so polling deadlines pass without waiting. */
    static final class SteppingClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void awaitDeploymentUntilFinal() throws Exception {
        SteppingClock clock = new SteppingClock();
        CleverCloudClient polling = client.toBuilder().clock(clock).sleeper(d -> {
            waits.add(d);
            clock.now = clock.now.plus(d);
        }).build();
        server.enqueue(json(404, "{\"id\":4004,\"message\":\"not found\",\"type\":\"error\"}"));
        server.enqueue(json(200, deploymentJson("WIP")));
        server.enqueue(json(200, deploymentJson("OK")));
        DeploymentOutcome outcome = polling.awaitDeployment(ORG, APP, DEPLOYMENT, Duration.ofMinutes(1),
                Duration.ofSeconds(5));
        assertThat(outcome.status()).isEqualTo(DeploymentOutcome.Status.SUCCEEDED);
        assertThat(outcome.isSuccess()).isTrue();
        assertThat(outcome.waited()).isEqualTo(Duration.ofSeconds(10));
        assertThat(waits).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(5));

        server.enqueue(json(200, deploymentJson("FAIL")));
        assertThat(polling.awaitDeployment(ORG, APP, DEPLOYMENT, Duration.ofMinutes(1), Duration.ofSeconds(5))
                .status()).isEqualTo(DeploymentOutcome.Status.FAILED);
        server.enqueue(json(200, deploymentJson("CANCELLED")));
        assertThat(polling.awaitDeployment(ORG, APP, DEPLOYMENT, Duration.ofMinutes(1), Duration.ofSeconds(5))
                .status()).isEqualTo(DeploymentOutcome.Status.CANCELLED);
        server.enqueue(json(200, deploymentJson("TASK_RUNNING")));
        assertThat(polling.awaitDeployment(ORG, APP, DEPLOYMENT, Duration.ofMinutes(1), Duration.ofSeconds(5))
                .status()).isEqualTo(DeploymentOutcome.Status.TASK_RUNNING);
    }

    @Test
    void awaitDeploymentTimesOut() {
        SteppingClock clock = new SteppingClock();
        CleverCloudClient polling = client.toBuilder().clock(clock).sleeper(d -> clock.now = clock.now.plus(d))
                .build();
        for (int i = 0; i < 5; i++) {
            server.enqueue(json(200, deploymentJson("WIP")));
        }
        DeploymentOutcome outcome = polling.awaitDeployment(ORG, APP, DEPLOYMENT, Duration.ofSeconds(10),
                Duration.ofSeconds(3));
        assertThat(outcome.status()).isEqualTo(DeploymentOutcome.Status.TIMED_OUT);
        assertThat(outcome.deployment().state()).isEqualTo(DeploymentState.WIP);
        assertThat(server.getRequestCount()).isEqualTo(4); // t = 0, 3, 6, 9
    }

    // ------------------------------------------------------------------ authentication on the wire

    @Test
    void everySchemeOnTheWire() throws Exception {
        URI base = server.url("/").uri();
        server.enqueue(json(200, resource("zones.json")));
        CleverCloudClient.builder().apiUrl(base).authentication(
                CleverCloudAuthentication.tokenScheme(Secret.of("orga-token"))).build().zones();
        assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("token orga-token");

        server.enqueue(json(200, resource("zones.json")));
        CleverCloudClient.builder().apiUrl(base).authentication(CleverCloudAuthentication.oauth1Plaintext(
                "ck", Secret.of("cs"), Secret.of("tk"), Secret.of("ts"))).build().zones();
        assertThat(server.takeRequest().getHeaders().get("Authorization"))
                .isEqualTo("OAuth oauth_consumer_key=\"ck\", oauth_token=\"tk\", oauth_signature=\"cs%26ts\"");

        server.enqueue(json(200, resource("deployments.json")));
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1767225600L), ZoneOffset.UTC);
        CleverCloudClient.builder().apiUrl(base).clock(clock).authentication(CleverCloudAuthentication
                .oauth1HmacSha512("ck", Secret.of("cs"), Secret.of("tk"), Secret.of("ts"), () -> "nonce42", clock))
                .build().deployments(ORG, APP, 5);
        RecordedRequest request = server.takeRequest();
        String expected = IndependentHmac.header("GET", "http://" + request.getUrl().host() + ":"
                + request.getUrl().port() + APP_PATH + "/deployments", Map.of("limit", "5"), "ck", "cs", "tk", "ts",
                "nonce42", "1767225600");
        assertThat(request.getHeaders().get("Authorization")).isEqualTo(expected);
    }

    @Test
    void apiUrlDefaultsToTheAuthenticationsHostAndAcceptsV2() {
        assertThat(CleverCloudClient.builder().authentication(CleverCloudAuthentication.apiToken(Secret.of("tokn")))
                .build().apiUrl()).isEqualTo(URI.create("https://api-bridge.clever-cloud.com/"));
        assertThat(CleverCloudClient.builder().authentication(CleverCloudAuthentication.tokenScheme(Secret.of("tokn")))
                .build().apiUrl()).isEqualTo(URI.create("https://api.clever-cloud.com/"));
        assertThat(CleverCloudClient.builder().apiUrl("https://api.clever-cloud.com/v2")
                .authentication(CleverCloudAuthentication.tokenScheme(Secret.of("tokn"))).build().apiUrl())
                .isEqualTo(URI.create("https://api.clever-cloud.com/"));
    }
}
