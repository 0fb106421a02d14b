package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.cleverrunner.clevercloud.internal.CallKind;
import org.cleverrunner.clevercloud.internal.Json;
import org.cleverrunner.clevercloud.internal.Redactor;
import org.cleverrunner.clevercloud.internal.CallKindRetries;
import org.cleverrunner.http.RetryInterceptor;
import org.cleverrunner.http.RetryPolicy;
import org.cleverrunner.http.ServerWait;
import org.cleverrunner.http.Sleeper;
import org.cleverrunner.clevercloud.internal.SecretBearing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client for the Clever Cloud API v2 ({@code /v2/self}, {@code /v2/organisations/…}, {@code /v2/products/…}).
 * Immutable and thread-safe; build one with {@link #builder()}.
 *
 * <p>Expected outcomes are values: a delete of something already gone is {@link DeletionResult#ALREADY_GONE}, a
 * deployment that did not finish in time is {@link DeploymentOutcome.Status#TIMED_OUT}. Refusals are
 * {@link CleverCloudApiException} (status, Clever error id, message, fields), unusable answers
 * {@link CleverCloudResponseException}, connection failures after retries {@link CleverCloudTransportException}.
 * No credential appears in a log line or an exception message.
 */
public final class CleverCloudClient {

    /**
     * 5 attempts, 1 s to 30 s, doubling (the Terraform provider's policy for application creation); which failures
     * are retried depends on the call (see {@link CallKindRetries}).
     */
    public static final RetryPolicy DEFAULT_RETRY_POLICY = new RetryPolicy(5, Duration.ofSeconds(1),
            Duration.ofSeconds(30), 2.0);

    private static final Logger LOG = LoggerFactory.getLogger(CleverCloudClient.class);
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final int EXCERPT = 300;

    private final Builder settings;
    private final CleverCloudAuthentication authentication;
    private final HttpUrl apiBase;
    private final OkHttpClient http;
    private final Clock clock;
    private final Sleeper sleeper;
    private final List<String> secrets;
    private final ObjectMapper json = Json.mapper();

    private CleverCloudClient(Builder builder) {
        this.settings = builder.copy();
        this.authentication = builder.authentication;
        this.apiBase = apiBase(builder.apiUrl != null ? builder.apiUrl : authentication.defaultApiUrl());
        this.clock = builder.clock;
        this.sleeper = builder.sleeper;
        this.secrets = authentication instanceof SecretBearing bearing ? List.copyOf(bearing.secretValues())
                : List.of();
        CleverCloudAuthentication auth = authentication;
        this.http = (builder.okHttpClient == null ? new OkHttpClient() : builder.okHttpClient).newBuilder()
                .connectTimeout(builder.connectTimeout)
                .readTimeout(builder.readTimeout)
                .writeTimeout(builder.writeTimeout)
                .callTimeout(builder.callTimeout)
                // Retries wrap authentication, so that every attempt is signed with a fresh nonce and timestamp.
                .addInterceptor(new RetryInterceptor(builder.retryPolicy, CallKindRetries.INSTANCE, builder.clock,
                        builder.sleeper, ServerWait.RETRY_AFTER))
                .addInterceptor(chain -> {
                    Request request = chain.request();
                    return chain.proceed(request.newBuilder()
                            .header("Authorization", auth.authorization(request.method(), request.url().uri()))
                            .build());
                })
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this client's settings, to derive a variant. */
    public Builder toBuilder() {
        return settings.copy();
    }

    /** The API base, e.g. {@code https://api.clever-cloud.com/}. */
    public URI apiUrl() {
        return apiBase.uri();
    }

    public CleverCloudAuthentication authentication() {
        return authentication;
    }

    // ------------------------------------------------------------------ organisations

    /** {@code GET /v2/self}: the authenticated user; its id is the personal space's owner id. */
    public User self() {
        return get(url("self"), "read self", type(User.class));
    }

    /** {@code GET /v2/organisations}: the organisations the credential can see (personal space included). */
    public List<Organisation> organisations() {
        return get(url("organisations"), "list organisations", listOf(Organisation.class));
    }

    /** {@code GET /v2/organisations/{id}}. */
    public Organisation organisation(String organisationId) {
        return get(url("organisations", id(organisationId, "organisationId")), "read organisation",
                type(Organisation.class));
    }

    // ------------------------------------------------------------------ products

    /** {@code GET /v2/products/instances}: the runtimes, with their variants, versions and flavors. */
    public List<InstanceType> instanceTypes() {
        return instanceTypes(null);
    }

    /** {@code GET /v2/products/instances?for=<ownerId>}: as seen by an organisation (may include private ones). */
    public List<InstanceType> instanceTypes(String ownerId) {
        HttpUrl.Builder url = url("products", "instances");
        if (ownerId != null) {
            url.addQueryParameter("for", ownerId);
        }
        return get(url, "list instance types", listOf(InstanceType.class));
    }

    /** {@code GET /v2/products/flavors?context=<context>}, e.g. context {@code heptapod-runner}. */
    public List<Flavor> flavors(String context) {
        HttpUrl.Builder url = url("products", "flavors");
        if (context != null) {
            url.addQueryParameter("context", context);
        }
        return get(url, "list flavors", listOf(Flavor.class));
    }

    /** {@code GET /v2/products/zones}. */
    public List<Zone> zones() {
        return get(url("products", "zones"), "list zones", listOf(Zone.class));
    }

    // ------------------------------------------------------------------ applications

    /**
     * {@code POST /v2/organisations/{o}/applications}. Retried only on 429, 503 and failures to connect, never
     * after a read timeout: a caller that must not create twice looks the name up before creating again.
     */
    public Application createApplication(String organisationId, ApplicationCreation creation) {
        Objects.requireNonNull(creation, "creation");
        Request request = request(url("organisations", id(organisationId, "organisationId"), "applications"))
                .post(body(creation)).tag(CallKind.class, CallKind.CREATE).build();
        return call(request, "create application " + creation.name(), type(Application.class), false);
    }

    /** {@code GET /v2/organisations/{o}/applications/{a}}. */
    public Application application(String organisationId, String applicationId) {
        return get(app(organisationId, applicationId), "read application", type(Application.class));
    }

    /** {@code GET /v2/organisations/{o}/applications}. */
    public List<Application> applications(String organisationId) {
        return get(url("organisations", id(organisationId, "organisationId"), "applications"), "list applications",
                listOf(Application.class));
    }

    /** {@code PUT /v2/organisations/{o}/applications/{a}} with the same fields as the creation. */
    public Application updateApplication(String organisationId, String applicationId, ApplicationCreation update) {
        Objects.requireNonNull(update, "update");
        Request request = request(app(organisationId, applicationId)).put(body(update)).build();
        return call(request, "update application", type(Application.class), false);
    }

    /** {@code DELETE /v2/organisations/{o}/applications/{a}}; a 404 means {@link DeletionResult#ALREADY_GONE}. */
    public DeletionResult deleteApplication(String organisationId, String applicationId) {
        Request request = request(app(organisationId, applicationId)).delete().build();
        try (Response response = execute(request, "delete application")) {
            byte[] bytes = bytes(response);
            if (response.isSuccessful()) {
                return DeletionResult.DELETED;
            }
            if (response.code() == 404 || response.code() == 410) {
                return DeletionResult.ALREADY_GONE;
            }
            throw apiError("delete application", response, bytes);
        }
    }

    /**
     * Polls the application until its git repository exists ({@code deployment.repoState == CREATED}), the
     * condition for a push; the Heptapod runner waits up to 20 s every 2 s.
     *
     * @return the application once ready, empty if it was not ready when the timeout came
     */
    public Optional<Application> awaitRepositoryReady(String organisationId, String applicationId, Duration timeout,
            Duration interval) {
        Instant deadline = clock.instant().plus(timeout);
        while (true) {
            Application application = application(organisationId, applicationId);
            if (application.isRepositoryReady()) {
                return Optional.of(application);
            }
            if (clock.instant().plus(interval).isAfter(deadline)) {
                return Optional.empty();
            }
            pause(interval);
        }
    }

    // ------------------------------------------------------------------ environment

    /** {@code GET /v2/organisations/{o}/applications/{a}/env}: {@code [{name,value}]}. */
    public List<EnvironmentVariable> environment(String organisationId, String applicationId) {
        return get(app(organisationId, applicationId, "env"), "read environment", listOf(EnvironmentVariable.class));
    }

    /**
     * {@code PUT /v2/organisations/{o}/applications/{a}/env} with a flat {@code {"NAME":"value"}} object: replaces
     * the whole environment.
     *
     * @return the application as the API answers (its {@code env} is the new environment; fields may be absent)
     */
    public Application replaceEnvironment(String organisationId, String applicationId,
            Map<String, String> environment) {
        Map<String, String> copy = new LinkedHashMap<>();
        Objects.requireNonNull(environment, "environment").forEach((name, value) ->
                copy.put(EnvironmentNames.check(name), Objects.requireNonNull(value, "value of " + name)));
        Request request = request(app(organisationId, applicationId, "env")).put(body(copy)).build();
        return call(request, "replace environment", type(Application.class), true);
    }

    /** {@code PUT …/env/{name}} with {@code {"value":"…"}}. */
    public Application setEnvironmentVariable(String organisationId, String applicationId, String name,
            String value) {
        Objects.requireNonNull(value, "value");
        Request request = request(app(organisationId, applicationId, "env", EnvironmentNames.check(name)))
                .put(body(Map.of("value", value))).build();
        return call(request, "set environment variable " + name, type(Application.class), true);
    }

    /** {@code DELETE …/env/{name}}. */
    public Application deleteEnvironmentVariable(String organisationId, String applicationId, String name) {
        Request request = request(app(organisationId, applicationId, "env", EnvironmentNames.check(name)))
                .delete().build();
        return call(request, "delete environment variable " + name, type(Application.class), true);
    }

    // ------------------------------------------------------------------ instances

    /** {@code GET /v2/organisations/{o}/applications/{a}/instances}. */
    public List<Instance> instances(String organisationId, String applicationId) {
        return get(app(organisationId, applicationId, "instances"), "list instances", listOf(Instance.class));
    }

    /** {@code POST …/instances}: starts the application, or redeploys its last pushed commit. */
    public DeploymentStarted startOrRedeploy(String organisationId, String applicationId) {
        return startOrRedeploy(organisationId, applicationId, null, true);
    }

    /**
     * {@code POST …/instances[?commit=<sha>][&useCache=no]}, no body. Retried like a creation: only on 429, 503 and
     * failures to connect.
     */
    public DeploymentStarted startOrRedeploy(String organisationId, String applicationId, String commit,
            boolean useCache) {
        HttpUrl.Builder url = app(organisationId, applicationId, "instances");
        if (commit != null) {
            url.addQueryParameter("commit", commit);
        }
        if (!useCache) {
            url.addQueryParameter("useCache", "no");
        }
        Request request = request(url).post(RequestBody.create(new byte[0], null)).tag(CallKind.class, CallKind.CREATE)
                .build();
        return call(request, "start application", type(DeploymentStarted.class), false);
    }

    /** {@code DELETE …/instances}: stops (undeploys) the application. */
    public ApiMessage stop(String organisationId, String applicationId) {
        Request request = request(app(organisationId, applicationId, "instances")).delete().build();
        return call(request, "stop application", type(ApiMessage.class), true);
    }

    // ------------------------------------------------------------------ deployments

    /** {@code GET …/deployments[?limit=n]}, newest first as the API orders them. */
    public List<Deployment> deployments(String organisationId, String applicationId, Integer limit) {
        HttpUrl.Builder url = app(organisationId, applicationId, "deployments");
        if (limit != null) {
            if (limit < 1) {
                throw new IllegalArgumentException("limit must be positive, got " + limit);
            }
            url.addQueryParameter("limit", limit.toString());
        }
        return get(url, "list deployments", listOf(Deployment.class));
    }

    /** {@code GET …/deployments/{deploymentId}} ({@code deployment_…}). */
    public Deployment deployment(String organisationId, String applicationId, String deploymentId) {
        return get(app(organisationId, applicationId, "deployments", id(deploymentId, "deploymentId")),
                "read deployment", type(Deployment.class));
    }

    /** {@code DELETE …/deployments/{deploymentId}/instances}: cancels a running deployment. */
    public ApiMessage cancelDeployment(String organisationId, String applicationId, String deploymentId) {
        Request request = request(app(organisationId, applicationId, "deployments",
                id(deploymentId, "deploymentId"), "instances")).delete().build();
        return call(request, "cancel deployment", type(ApiMessage.class), true);
    }

    /**
     * Polls {@code GET …/deployments/{id}} every {@code interval} until the deployment reaches a final state
     * ({@code OK}, {@code FAIL}, {@code CANCELLED}, {@code TASK_RUNNING}) or {@code timeout} passes. A 404 is
     * taken as "not visible yet" (it may follow the start immediately). Other errors propagate.
     */
    public DeploymentOutcome awaitDeployment(String organisationId, String applicationId, String deploymentId,
            Duration timeout, Duration interval) {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(interval, "interval");
        Instant started = clock.instant();
        Instant deadline = started.plus(timeout);
        Deployment last = null;
        while (true) {
            try {
                last = deployment(organisationId, applicationId, deploymentId);
            } catch (CleverCloudApiException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
                LOG.debug("deployment {} not visible yet", deploymentId);
            }
            if (last != null && last.state() != null && last.state().isFinal()) {
                DeploymentOutcome.Status status = switch (last.state()) {
                    case OK -> DeploymentOutcome.Status.SUCCEEDED;
                    case TASK_RUNNING -> DeploymentOutcome.Status.TASK_RUNNING;
                    case CANCELLED -> DeploymentOutcome.Status.CANCELLED;
                    default -> DeploymentOutcome.Status.FAILED;
                };
                return new DeploymentOutcome(status, last, Duration.between(started, clock.instant()));
            }
            if (clock.instant().plus(interval).isAfter(deadline)) {
                return new DeploymentOutcome(DeploymentOutcome.Status.TIMED_OUT, last,
                        Duration.between(started, clock.instant()));
            }
            pause(interval);
        }
    }

    // ------------------------------------------------------------------ plumbing

    private HttpUrl.Builder url(String... segments) {
        HttpUrl.Builder url = apiBase.newBuilder().addPathSegment("v2");
        for (String segment : segments) {
            url.addPathSegment(segment);
        }
        return url;
    }

    private HttpUrl.Builder app(String organisationId, String applicationId, String... more) {
        HttpUrl.Builder url = url("organisations", id(organisationId, "organisationId"), "applications",
                id(applicationId, "applicationId"));
        for (String segment : more) {
            url.addPathSegment(segment);
        }
        return url;
    }

    private static String id(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " is blank");
        }
        return value;
    }

    private Request.Builder request(HttpUrl.Builder url) {
        return new Request.Builder().url(url.build())
                .header("Accept", "application/json")
                .header("User-Agent", settings.userAgent);
    }

    private RequestBody body(Object value) {
        try {
            return RequestBody.create(json.writeValueAsBytes(value), JSON_TYPE);
        } catch (JsonProcessingException e) {
            throw new CleverCloudException("cannot encode a " + value.getClass().getSimpleName() + " request body");
        }
    }

    private <T> T get(HttpUrl.Builder url, String what, JavaType type) {
        return call(request(url).get().build(), what, type, false);
    }

    private <T> T call(Request request, String what, JavaType type, boolean emptyAllowed) {
        try (Response response = execute(request, what)) {
            byte[] bytes = bytes(response);
            if (!response.isSuccessful()) {
                throw apiError(what, response, bytes);
            }
            if (isBlank(bytes)) {
                if (emptyAllowed) {
                    bytes = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                } else {
                    throw new CleverCloudResponseException("the answer to " + what + " (" + response.code()
                            + ") has no body", response.code(), "");
                }
            }
            try {
                return json.readValue(bytes, type);
            } catch (IOException e) {
                // Jackson's messages quote the body: not chained, only the location is kept.
                String where = e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping
                        ? " at " + mapping.getPathReference() : "";
                throw new CleverCloudResponseException("the answer to " + what + " (" + response.code() + ", "
                        + response.header("Content-Type") + ") is not the expected JSON" + where
                        + ": " + Redactor.excerpt(bytes, 120, secrets), response.code(),
                        Redactor.excerpt(bytes, EXCERPT, secrets));
            }
        }
    }

    private Response execute(Request request, String what) {
        long started = System.nanoTime();
        try {
            Response response = http.newCall(request).execute();
            LOG.debug("{} {} -> {} ({} ms)", request.method(), request.url().encodedPath(), response.code(),
                    (System.nanoTime() - started) / 1_000_000);
            return response;
        } catch (IOException e) {
            LOG.debug("{} {} failed: {}", request.method(), request.url().encodedPath(), e.getClass().getSimpleName());
            // OkHttp's messages name hosts and ports, never headers: safe, but masked anyway.
            throw new CleverCloudTransportException("cannot " + what + " at " + apiBase.host() + ":"
                    + apiBase.port() + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + Redactor.redact(e.getMessage(), secrets)), e);
        }
    }

    private static byte[] bytes(Response response) {
        ResponseBody body = response.body();
        try {
            return body.bytes();
        } catch (IOException e) {
            throw new CleverCloudTransportException("connection lost while reading the answer to "
                    + response.request().method() + " " + response.request().url().encodedPath(), e);
        }
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (!Character.isWhitespace(b)) {
                return false;
            }
        }
        return true;
    }

    /** The error body {@code {id, message, type, fields}} when there is one, else an excerpt. */
    private CleverCloudApiException apiError(String what, Response response, byte[] bytes) {
        Integer errorId = null;
        String type = null;
        String message = null;
        Map<String, String> fields = new LinkedHashMap<>();
        try {
            JsonNode node = isBlank(bytes) ? null : json.readTree(bytes);
            if (node != null && node.isObject()) {
                JsonNode id = node.has("id") ? node.get("id") : node.get("code");
                if (id != null && id.canConvertToInt() && (id.isNumber() || id.asText().matches("\\d+"))) {
                    errorId = id.isNumber() ? id.intValue() : Integer.valueOf(id.asText());
                }
                JsonNode text = node.has("message") ? node.get("message") : node.get("error");
                if (text != null && !text.isNull()) {
                    message = Redactor.redact(text.isTextual() ? text.asText() : text.toString(), secrets);
                }
                if (node.hasNonNull("type")) {
                    type = node.get("type").asText();
                }
                JsonNode fieldNode = node.get("fields");
                if (fieldNode != null && fieldNode.isObject()) {
                    fieldNode.properties().forEach(field -> fields.put(field.getKey(), Redactor.redact(
                            field.getValue().isTextual() ? field.getValue().asText() : field.getValue().toString(),
                            secrets)));
                }
            }
        } catch (IOException notJson) {
            // an HTML page or plain text: the excerpt carries what there is
        }
        String excerpt = Redactor.excerpt(bytes, EXCERPT, secrets);
        StringBuilder text = new StringBuilder(what).append(" failed: HTTP ").append(response.code());
        if (errorId != null) {
            text.append(", Clever Cloud error ").append(errorId);
        }
        if (message != null) {
            text.append(": ").append(message);
        } else if (!excerpt.isEmpty()) {
            text.append(": ").append(Redactor.excerpt(bytes, 120, secrets));
        }
        if (!fields.isEmpty()) {
            text.append(' ').append(fields);
        }
        if (response.code() == 401) {
            text.append(" (check the credentials: ").append(authentication.describe()).append(')');
        }
        return new CleverCloudApiException(text.toString(), response.code(), errorId, type, message, fields, excerpt);
    }

    private void pause(Duration duration) {
        try {
            sleeper.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CleverCloudException("interrupted while polling", e);
        }
    }

    private JavaType type(Class<?> type) {
        return json.getTypeFactory().constructType(type);
    }

    private JavaType listOf(Class<?> element) {
        return json.getTypeFactory().constructCollectionType(List.class, element);
    }

    private static HttpUrl apiBase(URI url) {
        HttpUrl parsed = HttpUrl.get(url.toString());
        if (!parsed.username().isEmpty() || !parsed.password().isEmpty()) {
            throw new IllegalArgumentException("the API URL must not contain credentials");
        }
        List<String> segments = new java.util.ArrayList<>(parsed.pathSegments());
        segments.removeIf(String::isEmpty);
        if (!segments.isEmpty() && segments.get(segments.size() - 1).equals("v2")) {
            segments.remove(segments.size() - 1); // a base written as https://api.clever-cloud.com/v2
        }
        HttpUrl.Builder base = parsed.newBuilder().encodedPath("/").query(null).fragment(null);
        segments.forEach(base::addPathSegment);
        return base.build();
    }

    /** Settings for a {@link CleverCloudClient}; every timeout is a {@link Duration}. */
    public static final class Builder {
        private URI apiUrl;
        private CleverCloudAuthentication authentication;
        private String userAgent = "clever-runner clevercloud-client (java " + Runtime.version().feature() + ")";
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(60);
        private Duration writeTimeout = Duration.ofSeconds(30);
        private Duration callTimeout = Duration.ZERO;
        private RetryPolicy retryPolicy = DEFAULT_RETRY_POLICY;
        private OkHttpClient okHttpClient;
        private Clock clock = Clock.systemUTC();
        private Sleeper sleeper = Sleeper.SYSTEM;

        private Builder() {
        }

        /**
         * The API base; defaults to the authentication's ({@code https://api.clever-cloud.com}, or
         * {@code https://api-bridge.clever-cloud.com} for API tokens). A trailing {@code /v2} is accepted.
         */
        public Builder apiUrl(URI apiUrl) {
            this.apiUrl = Objects.requireNonNull(apiUrl, "apiUrl");
            apiBase(apiUrl);
            return this;
        }

        public Builder apiUrl(String apiUrl) {
            return apiUrl(URI.create(Objects.requireNonNull(apiUrl, "apiUrl")));
        }

        public Builder authentication(CleverCloudAuthentication authentication) {
            this.authentication = Objects.requireNonNull(authentication, "authentication");
            return this;
        }

        public Builder userAgent(String userAgent) {
            this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = nonNegative(timeout, "connectTimeout");
            return this;
        }

        public Builder readTimeout(Duration timeout) {
            this.readTimeout = nonNegative(timeout, "readTimeout");
            return this;
        }

        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = nonNegative(timeout, "writeTimeout");
            return this;
        }

        /** A bound on a whole call, retries and their waits included; zero (the default) for none. */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = nonNegative(timeout, "callTimeout");
            return this;
        }

        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /** A base OkHttp client to derive from (shares its pool and dispatcher); the timeouts here still apply. */
        public Builder okHttpClient(OkHttpClient okHttpClient) {
            this.okHttpClient = okHttpClient;
            return this;
        }

        /** The clock for polling deadlines and {@code Retry-After} dates. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How waits (retries, polling) are spent; for tests. */
        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        public CleverCloudClient build() {
            Objects.requireNonNull(authentication, "authentication");
            return new CleverCloudClient(this);
        }

        private static Duration nonNegative(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative");
            }
            return value;
        }

        Builder copy() {
            Builder copy = new Builder();
            copy.apiUrl = apiUrl;
            copy.authentication = authentication;
            copy.userAgent = userAgent;
            copy.connectTimeout = connectTimeout;
            copy.readTimeout = readTimeout;
            copy.writeTimeout = writeTimeout;
            copy.callTimeout = callTimeout;
            copy.retryPolicy = retryPolicy;
            copy.okHttpClient = okHttpClient;
            copy.clock = clock;
            copy.sleeper = sleeper;
            return copy;
        }
    }
}
