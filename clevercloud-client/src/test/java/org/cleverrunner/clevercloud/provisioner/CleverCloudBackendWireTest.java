package org.cleverrunner.clevercloud.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.cleverrunner.spi.HostProvisioningException;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.RunnerSpiException;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.spi.VmBackend;
import org.cleverrunner.spi.VmSpec;
import org.cleverrunner.clevercloud.CleverCloudApiException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The requests the backend makes of the live API and push hosts, against fixtures in the API's shape: the
 * application is created with the previous runner's instance variant (or the configured one) and the current docker
 * version (re-read when the cached one was retired: error 9017), its environment carries
 * CC_ENABLE_HEPTAPOD_RUNNER, and the push to {@code deployment.httpUrl} authenticates as clever-tools does (the
 * OAuth token as user, its secret as password). The push host here refuses the push once it has seen the
 * credentials.
 */
class CleverCloudBackendWireTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ORG = "orga_0f1e2d3c-aaaa-4bbb-8ccc-ddddeeeeffff";
    static final String APP = "app_5a2b7c3e-1111-4222-8333-944455556666";

    MockWebServer api;
    HttpServer pushHost;
    final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    final List<String> pushAuthorizations = new CopyOnWriteArrayList<>();
    final AtomicReference<String> currentVersion = new AtomicReference<>("20240101");

    @BeforeEach
    void start() throws IOException {
        pushHost = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        pushHost.createContext("/", exchange -> {
            try (exchange) {
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                pushAuthorizations.add(String.valueOf(authorization));
                if (authorization == null) {
                    exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"push\"");
                    exchange.sendResponseHeaders(401, -1);
                } else {
                    // credentials seen: the push stops here
                    exchange.sendResponseHeaders(403, -1);
                }
            }
        });
        pushHost.start();
        api = new MockWebServer();
        api.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                requests.add(request);
                return answer(request);
            }
        });
        api.start(0);
    }

    @AfterEach
    void stop() {
        api.close();
        pushHost.stop(0);
    }

    MockResponse answer(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        String method = request.getMethod();
        try {
            if (path.equals("/v2/products/flavors")) {
                return json(200, resource("flavors.json"));
            }
            if (path.equals("/v2/products/instances")) {
                return json(200, resource("instance-types.json").replace("20240101", currentVersion.get()));
            }
            String apps = "/v2/organisations/" + ORG + "/applications";
            if (path.equals(apps) && method.equals("GET")) {
                return json(200, "[]");
            }
            if (path.equals(apps) && method.equals("POST")) {
                JsonNode body = JSON.readTree(request.getBody().utf8());
                if (!body.path("instanceVersion").asText().equals(currentVersion.get())) {
                    return json(400, "{\"id\":9017,\"message\":\"The specified instance does not exist\","
                            + "\"type\":\"error\"}");
                }
                return json(200, application());
            }
            if (path.equals(apps + "/" + APP + "/env") && method.equals("PUT")) {
                return json(200, application());
            }
            if (path.equals(apps + "/" + APP) && method.equals("GET")) {
                return json(200, application());
            }
            if (path.equals(apps + "/" + APP) && method.equals("DELETE")) {
                return json(200, "{\"id\":302,\"message\":\"The application has been deleted\",\"type\":\"success\"}");
            }
        } catch (IOException e) {
            return json(500, "{}");
        }
        return json(404, "{\"id\":4040,\"message\":\"no route\",\"type\":\"error\"}");
    }

    String application() throws IOException {
        ObjectNode app = (ObjectNode) JSON.readTree(resource("application.json"));
        ((ObjectNode) app.path("deployment")).put("httpUrl", "http://127.0.0.1:" + pushHost.getAddress().getPort()
                + "/" + APP + ".git");
        return JSON.writeValueAsString(app);
    }

    VmBackend backend(Map<String, String> extra) {
        Map<String, String> settings = new java.util.HashMap<>(Map.of("organisation", ORG,
                "api-url", api.url("/").toString(), "token", "oauth-token-1", "secret", "oauth-secret-1",
                "endpoint-scheme", "http", "repository-timeout", "5s", "poll-interval", "100ms"));
        settings.putAll(extra);
        return new CleverCloudBackendFactory().create(new ProviderSettings("runners[0].provisioners.clever-cloud",
                settings));
    }

    @Test
    void createsAsThePreviousRunnerDidRefreshesARetiredVersionAndPushesWithTheOAuthCredentials() throws Exception {
        VmBackend backend = backend(Map.of());
        // the first job caches the docker version; Clever Cloud then retires it
        readDockerVersionOnce(backend);
        currentVersion.set("20250601");

        // the attempt with the cached version meets 9017, a transient failure that forgets the version
        assertThatThrownBy(() -> backend.create(spec("clever-runner-r1-42", "M")))
                .isInstanceOfSatisfying(CleverCloudApiException.class, e -> assertThat(e.errorId()).isEqualTo(9017));
        assertThatThrownBy(() -> backend.create(spec("clever-runner-r1-42", "M")))
                .isInstanceOf(HostProvisioningException.class).hasMessageContaining("pushing the gateway")
                .hasMessageNotContaining("oauth-secret-1");

        List<JsonNode> creations = bodies("POST", "/v2/organisations/" + ORG + "/applications");
        assertThat(creations).hasSizeGreaterThanOrEqualTo(2);
        JsonNode last = creations.get(creations.size() - 1);
        assertThat(last.path("instanceVersion").asText()).isEqualTo("20250601");
        assertThat(last.path("instanceType").asText()).isEqualTo("docker");
        assertThat(last.path("instanceVariant").asText()).isEqualTo("70d676a0-a775-4dc9-a43d-3121036e8515");
        assertThat(last.path("instanceLifetime").asText()).isEqualTo("TASK");
        assertThat(last.path("minFlavor").asText()).isEqualTo("heptapod-runner-M");
        JsonNode env = bodies("PUT", "/v2/organisations/" + ORG + "/applications/" + APP + "/env").get(0);
        assertThat(env.path("CC_ENABLE_HEPTAPOD_RUNNER").asText()).isEqualTo("true");
        assertThat(env.path("CC_MOUNT_DOCKER_SOCKET").asText()).isEqualTo("true");
        // JGit asks without credentials, is told 401, and sends clever-tools' pair
        assertThat(pushAuthorizations).contains("Basic " + Base64.getEncoder().encodeToString(
                "oauth-token-1:oauth-secret-1".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theInstanceVariantAndThePushCredentialsCanBeSet() throws Exception {
        VmBackend backend = backend(Map.of("instance-variant", "0a1b2c3d-0000-4000-8000-00000000abcd",
                "git-user", "deployer", "git-password", "push-password-1"));

        assertThatThrownBy(() -> backend.create(spec("clever-runner-r1-43", "M")))
                .isInstanceOf(HostProvisioningException.class);

        JsonNode creation = bodies("POST", "/v2/organisations/" + ORG + "/applications").get(0);
        assertThat(creation.path("instanceVariant").asText()).isEqualTo("0a1b2c3d-0000-4000-8000-00000000abcd");
        assertThat(pushAuthorizations).contains("Basic " + Base64.getEncoder().encodeToString(
                "deployer:push-password-1".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void settingsThatCannotPushAreRefusedAtStartNamingTheKeys() {
        CleverCloudBackendFactory factory = new CleverCloudBackendFactory();
        assertThatThrownBy(() -> factory.create(new ProviderSettings("runners[0].provisioners.clever-cloud",
                Map.of("organisation", ORG, "api-token", "api-token-1"))))
                .isInstanceOf(RunnerSpiException.class)
                .hasMessage("the API token (Bearer) of 'runners[0].provisioners.clever-cloud' gives no credentials"
                        + " for the git pushes to the VMs' deployment repositories: set git-user and git-password,"
                        + " or use token and secret (clever-tools' OAuth credentials)")
                .hasMessageNotContaining("api-token-1");
        assertThatThrownBy(() -> factory.create(new ProviderSettings("p", Map.of("organisation", ORG,
                "token", "t", "secret", "s", "git-user", "deployer"))))
                .hasMessage("setting 'p.git-user' needs 'p.git-password'");
        assertThatThrownBy(() -> factory.create(new ProviderSettings("p", Map.of("organisation", ORG,
                "token", "t", "secret", "s", "instance-variant", "heptapod"))))
                .hasMessageContaining("instance variant must be a UUID");
        // the previous runner's organisation token pushes as its own user did
        assertThat(factory.create(new ProviderSettings("p", Map.of("organisation", ORG, "token-scheme", "orga-t"))))
                .isNotNull();
    }

    static VmSpec spec(String name, String flavor) {
        return new VmSpec(name, flavor, Map.of(), Secret.of("gateway-token-1"));
    }

    /** Makes the backend read (and cache) the docker version, as a first job would. */
    private void readDockerVersionOnce(VmBackend backend) throws InterruptedException {
        try {
            backend.create(spec("clever-runner-r1-41", "M"));
        } catch (HostProvisioningException e) {
            // the push host refuses: this acquisition only primes the cache
        }
        requests.clear();
        pushAuthorizations.clear();
    }

    private List<JsonNode> bodies(String method, String path) {
        return requests.stream().filter(r -> r.getMethod().equals(method) && r.getUrl().encodedPath().equals(path))
                .map(r -> {
                    try {
                        return JSON.readTree(r.getBody().utf8());
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
    }

    static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body).build();
    }

    static String resource(String name) {
        try (InputStream in = CleverCloudBackendWireTest.class.getResourceAsStream("/api/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
