package org.cleverrunner.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.coordinator.payload.PayloadJson;
import org.cleverrunner.testkit.internal.CapturingInputStream;
import org.cleverrunner.testkit.internal.MultipartReader;
import org.cleverrunner.testkit.internal.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake GitLab coordinator (Rails + Workhorse) over real HTTP on loopback.
 *
 * <pre>{@code
 * try (FakeCoordinator gitlab = FakeCoordinator.builder().start()) {
 *     RunnerHandle runner = gitlab.addRunner("glrt-test", Set.of("docker"), true);
 *     JobHandle job = gitlab.enqueue(Jobs.job("build").script("make"));
 *     // point the runner at gitlab.url() ...
 *     JobView done = gitlab.awaitJob(job.id());
 *     assertThat(done.finalState()).isEqualTo(JobState.SUCCESS);
 * }
 * }</pre>
 *
 * <p>All methods are thread-safe. Tokens are never logged.
 */
public final class FakeCoordinator implements AutoCloseable {

    static {
        // Like real coordinators behind nginx/Workhorse, answer without Nagle's delay: the JDK server reads this
        // once, before its first use, and without it every small answer waits ~40 ms for a delayed ACK.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(FakeCoordinator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_JSON_BODY = 16 * 1024 * 1024;
    private static final Duration DEFAULT_AWAIT = Duration.ofSeconds(30);
    /** The token prefix Rails gives an instance runner registered with a registration token. */
    static final String LEGACY_RUNNER_PREFIX = "t1_";

    private static final Pattern JOB_PATH = Pattern.compile("/api/v4/jobs/(\\d+)");
    private static final Pattern TRACE_PATH = Pattern.compile("/api/v4/jobs/(\\d+)/trace");
    private static final Pattern ARTIFACTS_PATH = Pattern.compile("/api/v4/jobs/(\\d+)/artifacts");
    private static final Pattern RUNNER_RESET_PATH = Pattern.compile("/api/v4/runners/(\\d+)/reset_authentication_token");
    private static final Pattern OBJECT_PATH = Pattern.compile("/object-storage/([A-Za-z0-9_-]+)");
    private static final Pattern CONTENT_RANGE = Pattern.compile("(?:bytes )?(\\d+)-(\\d+)(?:/(\\d+|\\*))?");
    private static final Pattern BYTE_RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    private final Duration longPollTimeout;
    private final Duration traceUpdateInterval;
    private final Duration tokenLifetime;
    private volatile long maxArtifactSize;
    private volatile int archiveFinalUpdates;
    private volatile String personalAccessToken;
    private volatile boolean registrationTokensAllowed;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled on every queue or job state change; long polls and awaitJob wait on it. */
    private final Condition changed = lock.newCondition();
    private final Set<String> registrationTokens = new HashSet<>();
    private final Map<Long, RunnerHandle> runners = new LinkedHashMap<>();
    private final Map<String, RunnerHandle> runnersByToken = new HashMap<>();
    private final Map<Long, Job> jobs = new LinkedHashMap<>();
    private final Map<String, Job> jobsByToken = new HashMap<>();
    private long queueVersion = 1;
    private long nextRunnerId = 1;
    private long nextJobId;
    private long nextPipelineId = 100;

    private final Map<String, ObjectLink> objectLinks = new ConcurrentHashMap<>();
    private final List<RecordedRequest> recorded = new ArrayList<>();
    private final Faults faults = new Faults();

    private HttpServer server;
    private ExecutorService executor;
    private volatile boolean closed;
    private volatile String url;

    private final int port;

    private FakeCoordinator(Builder builder) {
        this.longPollTimeout = builder.longPollTimeout;
        this.traceUpdateInterval = builder.traceUpdateInterval;
        this.tokenLifetime = builder.tokenLifetime;
        this.maxArtifactSize = builder.maxArtifactSize;
        this.archiveFinalUpdates = builder.archiveFinalUpdates;
        this.personalAccessToken = builder.personalAccessToken;
        this.registrationTokensAllowed = builder.registrationTokensAllowed;
        this.registrationTokens.addAll(builder.registrationTokens);
        this.nextJobId = builder.firstJobId;
        this.port = builder.port;
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ lifecycle

    /** Binds 127.0.0.1 on the builder's port (an ephemeral one by default) and starts serving. */
    public synchronized FakeCoordinator start() {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the fake coordinator", e);
        }
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "fake-coordinator-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        executor = Executors.newCachedThreadPool(factory);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
        LOG.debug("fake coordinator listening on {}", url);
        return this;
    }

    /** Stops the server; pending long polls answer 204 at once. Idempotent. */
    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        HttpServer s;
        ExecutorService e;
        synchronized (this) {
            s = server;
            e = executor;
        }
        if (s != null) {
            s.stop(0);
        }
        if (e != null) {
            e.shutdownNow();
            try {
                e.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234/}; clients append {@code api/v4/}. */
    public String url() {
        String u = url;
        if (u == null) {
            throw new IllegalStateException("not started");
        }
        return u;
    }

    /** The base URL without trailing slash (the value of CI_SERVER_URL). */
    public String serverUrl() {
        String u = url();
        return u.substring(0, u.length() - 1);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    // ------------------------------------------------------------------ configuration at run time

    public Faults faults() {
        return faults;
    }

    /** Uploads larger than this get 413. */
    public void maxArtifactSize(long bytes) {
        this.maxArtifactSize = bytes;
    }

    /** For jobs enqueued from now on (without their own setting): the first n final PUTs answer 202. */
    public void archiveFinalUpdates(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        this.archiveFinalUpdates = n;
    }

    /** POST /runners answers 410 Gone from now on. */
    public void disallowRegistrationTokens() {
        this.registrationTokensAllowed = false;
    }

    /** The PAT accepted by {@code POST /runners/:id/reset_authentication_token}. */
    public void personalAccessToken(String token) {
        this.personalAccessToken = token;
    }

    // ------------------------------------------------------------------ runners

    public void addRegistrationToken(String token) {
        Objects.requireNonNull(token, "token");
        lock.lock();
        try {
            registrationTokens.add(token);
        } finally {
            lock.unlock();
        }
    }

    /** Adds a runner, as if created in the UI with this authentication token. */
    public RunnerHandle addRunner(String runnerToken, Set<String> tags, boolean runUntagged) {
        Objects.requireNonNull(runnerToken, "runnerToken");
        lock.lock();
        try {
            if (runnersByToken.containsKey(runnerToken)) {
                throw new IllegalArgumentException("a runner already has this token");
            }
            return createRunner(runnerToken, tags, runUntagged, null);
        } finally {
            lock.unlock();
        }
    }

    /** Adds a runner with a fresh {@code glrt-} token. */
    public RunnerHandle addRunner(Set<String> tags, boolean runUntagged) {
        return addRunner(Tokens.random("glrt-", 20), tags, runUntagged);
    }

    public List<RunnerHandle> runners() {
        lock.lock();
        try {
            return List.copyOf(runners.values());
        } finally {
            lock.unlock();
        }
    }

    public RunnerHandle runner(long id) {
        lock.lock();
        try {
            RunnerHandle runner = runners.get(id);
            if (runner == null) {
                throw new IllegalArgumentException("no runner " + id);
            }
            return runner;
        } finally {
            lock.unlock();
        }
    }

    private RunnerHandle createRunner(String token, Set<String> tags, boolean runUntagged, String description) {
        RunnerHandle runner = new RunnerHandle(nextRunnerId++, token, tags, runUntagged, description);
        runners.put(runner.id(), runner);
        runnersByToken.put(token, runner);
        return runner;
    }

    // ------------------------------------------------------------------ jobs

    /** Queues a job; it gets an id and a {@code glcbt-} job token. The server must be started. */
    public JobHandle enqueue(JobBuilder builder) {
        Objects.requireNonNull(builder, "builder");
        String serverUrl = serverUrl();
        lock.lock();
        try {
            long id = nextJobId++;
            String token;
            do {
                token = Tokens.random("glcbt-", 24);
            } while (jobsByToken.containsKey(token));
            ObjectNode json = builder.build(id, token, serverUrl, nextPipelineId++, Instant.now());
            Integer perJob = builder.archiveFinalUpdatesOverride();
            Job job = new Job(id, token, builder.name(), builder.tagSet(), builder.dependencyHandles(), json,
                    perJob != null ? perJob : archiveFinalUpdates);
            jobs.put(id, job);
            jobsByToken.put(token, job);
            queueVersion++;
            changed.signalAll();
            LOG.debug("enqueued job {} ({}) tags={}", id, job.name, job.tags);
            return new JobHandle(id, token, job.name);
        } finally {
            lock.unlock();
        }
    }

    /** A snapshot of a job. */
    public JobView job(long id) {
        lock.lock();
        try {
            return requireJob(id).view();
        } finally {
            lock.unlock();
        }
    }

    public List<JobView> jobs() {
        lock.lock();
        try {
            return jobs.values().stream().map(Job::view).toList();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to 30 s for the job to reach success, failed or canceled. */
    public JobView awaitJob(long id) {
        return awaitJob(id, DEFAULT_AWAIT);
    }

    /** Waits for the job to reach a final state; throws AssertionError on timeout. */
    public JobView awaitJob(long id, Duration timeout) {
        return awaitCondition(id, timeout, job -> job.state.isFinal(), "a final state");
    }

    /** Waits for the job to reach exactly this state; throws AssertionError on timeout. */
    public JobView awaitState(long id, JobState state, Duration timeout) {
        return awaitCondition(id, timeout, job -> job.state == state, state.wireName());
    }

    private JobView awaitCondition(long id, Duration timeout, java.util.function.Predicate<Job> condition,
                                   String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            Job job = requireJob(id);
            while (!condition.test(job)) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new AssertionError("job " + id + " did not reach " + what + " within " + timeout
                            + "; it is " + job.view());
                }
                changed.awaitNanos(remaining);
            }
            return job.view();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for job " + id, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Cancels a job as a user would: a pending job becomes canceled; a running job becomes canceling if its runner
     * advertised {@code cancel_gracefully}, else canceled. Returns the new state.
     */
    public JobState cancel(long id) {
        return cancel(id, true);
    }

    /** With {@code graceful = false} the job becomes canceled at once (a force-cancel / abort). */
    public JobState cancel(long id, boolean graceful) {
        lock.lock();
        try {
            Job job = requireJob(id);
            if (!job.state.isFinal()) {
                boolean canGrace = graceful && job.state == JobState.RUNNING
                        && job.runner != null && job.runner.cancelGracefully();
                job.state = canGrace ? JobState.CANCELING : JobState.CANCELED;
                queueVersion++;
                changed.signalAll();
            }
            return job.state;
        } finally {
            lock.unlock();
        }
    }

    /** Same as {@code cancel(id, false)}. */
    public JobState abort(long id) {
        return cancel(id, false);
    }

    public byte[] trace(long id) {
        return job(id).trace();
    }

    public String traceText(long id) {
        return job(id).traceText();
    }

    /** {@code crc32:%08x} (CRC-32 IEEE) of the stored trace. */
    public String traceChecksum(long id) {
        return crc32(trace(id));
    }

    /** Forgets the trace beyond {@code newSize}, as if a chunk was lost; the next patch gets 416. */
    public void truncateTrace(long id, int newSize) {
        lock.lock();
        try {
            Job job = requireJob(id);
            if (newSize < 0 || newSize > job.traceSize) {
                throw new IllegalArgumentException("newSize must be within 0.." + job.traceSize);
            }
            job.traceSize = newSize;
        } finally {
            lock.unlock();
        }
    }

    public List<StoredArtifact> artifacts(long id) {
        lock.lock();
        try {
            return List.copyOf(requireJob(id).artifacts);
        } finally {
            lock.unlock();
        }
    }

    /** The current X-GitLab-Last-Update value. */
    public String queueVersion() {
        lock.lock();
        try {
            return Long.toString(queueVersion);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ recorded requests

    public List<RecordedRequest> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    public List<RecordedRequest> requests(Endpoint endpoint) {
        synchronized (recorded) {
            return recorded.stream().filter(r -> r.endpoint() == endpoint).toList();
        }
    }

    public void clearRequests() {
        synchronized (recorded) {
            recorded.clear();
        }
    }

    static String crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return String.format("crc32:%08x", crc.getValue());
    }

    private Job requireJob(long id) {
        Job job = jobs.get(id);
        if (job == null) {
            throw new IllegalArgumentException("no job " + id);
        }
        return job;
    }

    // ------------------------------------------------------------------ HTTP dispatch

    private void handle(HttpExchange exchange) {
        Exchange ex = new Exchange(exchange);
        try {
            Faults.Rule fault = faults.take(ex.endpoint);
            if (fault != null && applyFault(ex, fault)) {
                return;
            }
            switch (ex.endpoint) {
                case JOB_REQUEST -> jobRequest(ex);
                case JOB_UPDATE -> jobUpdate(ex);
                case TRACE_PATCH -> tracePatch(ex);
                case ARTIFACT_UPLOAD -> artifactUpload(ex);
                case ARTIFACT_DOWNLOAD -> artifactDownload(ex);
                case OBJECT_STORAGE -> objectStorage(ex);
                case REGISTER -> register(ex);
                case VERIFY -> verify(ex);
                case UNREGISTER -> unregister(ex);
                case RESET_TOKEN -> resetToken(ex);
                default -> {
                    ex.drain();
                    ex.error(404, "404 Not Found");
                }
            }
        } catch (BadRequest e) {
            ex.error(400, "400 Bad request - " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.error(503, "503 Service Unavailable");
        } catch (IOException e) {
            // Usually the client went away (timeout, dropped connection): not the fake's fault.
            LOG.debug("I/O error on {} {}: {}", ex.method, ex.path, e.toString());
            if (!ex.responded) {
                ex.error(500, "500 Internal Server Error");
            }
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("fake coordinator failed on {} {}", ex.method, ex.path, e);
            }
            if (!ex.responded) {
                ex.error(500, "500 Internal Server Error");
            }
        } finally {
            ex.finish();
        }
    }

    /** Returns true when the fault answered the request. */
    private boolean applyFault(Exchange ex, Faults.Rule fault) throws IOException, InterruptedException {
        switch (fault.kind) {
            case DELAY -> {
                Thread.sleep(fault.delay.toMillis());
                return false;
            }
            case DROP -> {
                ex.drain();
                ex.drop();
                return true;
            }
            case RESPOND -> {
                ex.drain();
                byte[] body = fault.body != null
                        ? fault.body.getBytes(StandardCharsets.UTF_8)
                        : message(fault.status + " " + reason(fault.status));
                ex.send(fault.status, fault.headers, body, "application/json");
                return true;
            }
            case RANGE_MISMATCH -> {
                ex.drain();
                Map<String, String> headers = new LinkedHashMap<>();
                if (ex.jobId != null) {
                    lock.lock();
                    try {
                        Job job = jobs.get(ex.jobId);
                        if (job != null) {
                            headers.put("Range", "0-" + job.traceSize);
                            headers.put("Job-Status", job.state.wireName());
                        }
                    } finally {
                        lock.unlock();
                    }
                }
                ex.send(416, headers, message("416 Range Not Satisfiable"), "application/json");
                return true;
            }
            default -> throw new IllegalStateException(fault.kind.toString());
        }
    }

    // ------------------------------------------------------------------ POST /api/v4/jobs/request

    private void jobRequest(Exchange ex) throws IOException, InterruptedException {
        JsonNode body = ex.json();
        String token = text(body, "token");
        String header = ex.header("RUNNER-TOKEN");
        if (token == null) {
            ex.error(400, "400 Bad request - token is missing");
            return;
        }
        if (header != null && !header.equals(token)) {
            ex.error(400, "400 Bad request - RUNNER-TOKEN header does not match the token in the body");
            return;
        }
        boolean longPoll = body.hasNonNull("last_update");
        Job job = null;
        byte[] payload = null;
        String version;
        lock.lock();
        try {
            RunnerHandle runner = runnersByToken.get(token);
            if (runner == null) {
                ex.error(403, "403 Forbidden");
                return;
            }
            runner.contacted(Instant.now());
            runner.addSystemId(text(body, "system_id"));
            runner.cancelGracefully(body.path("info").path("features").path("cancel_gracefully").asBoolean(false));
            long deadline = System.nanoTime() + longPollTimeout.toNanos();
            while (true) {
                job = closed ? null : pickFor(runner);
                if (job != null) {
                    job.runner = runner;
                    queueVersion++;
                    changed.signalAll();
                    payload = serialize(JobBuilder.withDependencies(job.json, job.token, job.dependencies,
                            handle -> jobs.containsKey(handle.id()) ? jobs.get(handle.id()).archive() : null));
                    break;
                }
                long remaining = deadline - System.nanoTime();
                if (!longPoll || closed || remaining <= 0) {
                    break;
                }
                changed.awaitNanos(remaining);
            }
            version = Long.toString(queueVersion);
        } finally {
            lock.unlock();
        }
        if (job != null) {
            LOG.debug("job {} handed out", job.id);
            ex.send(201, Map.of(), payload, "application/json");
        } else if (longPoll) {
            ex.send(204, Map.of("Gitlab-Ci-Builds-Polling", "yes"), new byte[0], null);
        } else {
            ex.send(204, Map.of("X-GitLab-Last-Update", version), new byte[0], null);
        }
    }

    private Job pickFor(RunnerHandle runner) {
        for (Job job : jobs.values()) {
            if (job.state == JobState.PENDING && job.runner == null && runner.canRun(job.tags)) {
                return job;
            }
        }
        return null;
    }

    /** The tree as Rails renders it, written by a plain mapper: no client record or naming strategy on the way. */
    private static byte[] serialize(ObjectNode payload) {
        try {
            return JSON.writeValueAsBytes(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The job addressed by the path if the token is its own; otherwise answers 404 or 403 and returns null. */
    private Job jobWithToken(Exchange ex, String token) throws IOException {
        Job job = jobs.get(ex.jobId);
        if (job == null) {
            ex.error(404, "404 Not Found");
            return null;
        }
        if (token == null || !token.equals(job.token)) {
            ex.error(403, "403 Forbidden", Map.of("Job-Status", job.state.wireName()));
            return null;
        }
        return job;
    }

    // ------------------------------------------------------------------ PUT /api/v4/jobs/:id

    private void jobUpdate(Exchange ex) throws IOException {
        JsonNode body = ex.json();
        String token = text(body, "token");
        if (token == null) {
            token = ex.header("JOB-TOKEN");
        }
        String state = text(body, "state");
        lock.lock();
        try {
            Job job = jobWithToken(ex, token);
            if (job == null) {
                return;
            }
            Map<String, String> status = Map.of("Job-Status", job.state.wireName());
            if (job.state.isFinal() || job.runner == null) {
                ex.error(403, "403 Forbidden - Job is not running", status);
                return;
            }
            JsonNode output = body.path("output");
            if (output.hasNonNull("checksum")) {
                job.reportedChecksum = output.get("checksum").asText();
            } else if (body.hasNonNull("checksum")) {
                job.reportedChecksum = body.get("checksum").asText();
            }
            if (output.hasNonNull("bytesize")) {
                job.reportedBytesize = output.get("bytesize").asLong();
            }
            if (state == null) {
                ex.ok200(job.state);
                return;
            }
            switch (state) {
                case "running" -> {
                    if (job.state == JobState.PENDING) {
                        job.state = JobState.RUNNING;
                        changed.signalAll();
                        LOG.debug("job {} running", job.id);
                    }
                    ex.ok200(job.state);
                }
                case "pending" -> {
                    if (job.state == JobState.PENDING) {
                        ex.ok200(job.state);
                    } else {
                        ex.error(409, "409 Conflict", Map.of("Job-Status", job.state.wireName()));
                    }
                }
                case "success", "failed" -> {
                    if (job.archiveRemaining > 0) {
                        job.archiveRemaining--;
                        ex.send(202, Map.of("Job-Status", job.state.wireName(), "X-GitLab-Trace-Update-Interval", "1"),
                                message("202 Accepted"), "application/json");
                        return;
                    }
                    if ("failed".equals(state)) {
                        String reason = text(body, "failure_reason");
                        job.failureReason = reason != null && JobBuilder.RAILS_FAILURE_REASONS.contains(reason)
                                ? reason : "unknown_failure";
                    }
                    if (body.hasNonNull("exit_code")) {
                        job.exitCode = body.get("exit_code").asInt();
                    }
                    job.state = job.state == JobState.CANCELING ? JobState.CANCELED
                            : "success".equals(state) ? JobState.SUCCESS : JobState.FAILED;
                    queueVersion++;
                    changed.signalAll();
                    LOG.debug("job {} finished: {}", job.id, job.state);
                    ex.ok200(job.state);
                }
                default -> ex.error(400, "400 Bad request - state does not have a valid value");
            }
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ PATCH /api/v4/jobs/:id/trace

    private void tracePatch(Exchange ex) throws IOException {
        byte[] chunk = ex.bytes();
        String token = ex.header("JOB-TOKEN");
        lock.lock();
        try {
            Job job = jobWithToken(ex, token);
            if (job == null) {
                return;
            }
            Map<String, String> status = Map.of("Job-Status", job.state.wireName());
            if (job.state != JobState.RUNNING && job.state != JobState.CANCELING) {
                ex.error(403, "403 Forbidden - Job is not running", status);
                return;
            }
            String range = ex.header("Content-Range");
            if (range == null) {
                ex.error(400, "400 Missing header Content-Range");
                return;
            }
            Matcher m = CONTENT_RANGE.matcher(range.trim());
            if (!m.matches()) {
                ex.error(400, "400 Bad request - invalid Content-Range");
                return;
            }
            long start = Long.parseLong(m.group(1));
            if (start != job.traceSize) {
                ex.error(416, "416 Range Not Satisfiable",
                        Map.of("Range", "0-" + job.traceSize, "Job-Status", job.state.wireName()));
                return;
            }
            job.append(chunk);
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Job-Status", job.state.wireName());
            headers.put("Range", "0-" + job.traceSize);
            headers.put("X-GitLab-Trace-Update-Interval", Long.toString(traceUpdateInterval.toSeconds()));
            ex.send(202, headers, new byte[0], null);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ artifacts

    private void artifactUpload(Exchange ex) throws IOException {
        String token = ex.header("JOB-TOKEN");
        Map<String, String> status;
        lock.lock();
        try {
            Job job = jobs.get(ex.jobId);
            if (job == null) {
                ex.drain();
                ex.error(404, "404 Not Found");
                return;
            }
            status = Map.of("Job-Status", job.state.wireName());
            if (token == null || !token.equals(job.token)) {
                ex.drain();
                ex.error(403, "403 Forbidden", status);
                return;
            }
            if (job.state != JobState.RUNNING && job.state != JobState.CANCELING) {
                ex.drain();
                ex.error(403, "403 Forbidden - Job is not running", status);
                return;
            }
        } finally {
            lock.unlock();
        }
        long limit = maxArtifactSize;
        String length = ex.header("Content-Length");
        if (length != null && parseLong(length, -1) > limit + 64 * 1024) {
            ex.drain();
            ex.error(413, "413 Request Entity Too Large");
            return;
        }
        String boundary = MultipartReader.boundaryOf(ex.header("Content-Type"));
        if (boundary == null) {
            ex.drain();
            ex.error(400, "400 Bad request - file is missing");
            return;
        }
        Map<String, String> fields = new HashMap<>();
        for (String param : new String[] {"artifact_format", "artifact_type", "expire_in"}) {
            String v = ex.queryParam(param);
            if (v != null) {
                fields.put(param, v);
            }
        }
        String filename = null;
        byte[] file = null;
        boolean tooLarge = false;
        MultipartReader reader = new MultipartReader(ex.body(), boundary);
        try {
            MultipartReader.PartHeaders part;
            while ((part = reader.nextPart()) != null) {
                if ("file".equals(part.name())) {
                    LimitedBuffer buffer = new LimitedBuffer(tooLarge ? -1 : limit);
                    reader.readBody(buffer);
                    if (buffer.overflow) {
                        tooLarge = true;
                    } else {
                        file = buffer.toByteArray();
                        filename = part.filename() != null ? part.filename() : "artifacts";
                    }
                } else {
                    LimitedBuffer buffer = new LimitedBuffer(64 * 1024);
                    reader.readBody(buffer);
                    if (part.name() != null && !buffer.overflow) {
                        fields.put(part.name(), buffer.toString(StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (MultipartReader.MalformedMultipartException e) {
            ex.drain();
            ex.error(400, "400 Bad request - " + e.getMessage());
            return;
        }
        if (tooLarge) {
            ex.error(413, "413 Request Entity Too Large");
            return;
        }
        if (file == null) {
            ex.error(400, "400 Bad request - file is missing");
            return;
        }
        StoredArtifact artifact = new StoredArtifact(filename, fields.getOrDefault("artifact_type", "archive"),
                fields.getOrDefault("artifact_format", "zip"), fields.get("expire_in"), file);
        lock.lock();
        try {
            Job job = jobs.get(ex.jobId);
            job.artifacts.removeIf(a -> a.type().equals(artifact.type()));
            job.artifacts.add(artifact);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        LOG.debug("job {} uploaded artifact {} ({} bytes)", ex.jobId, artifact.type(), file.length);
        ex.send(201, Map.of(), "201".getBytes(StandardCharsets.UTF_8), "application/json");
    }

    private void artifactDownload(Exchange ex) throws IOException {
        ex.drain();
        String token = ex.header("JOB-TOKEN");
        if (token == null) {
            token = ex.queryParam("job_token");
        }
        StoredArtifact archive;
        lock.lock();
        try {
            Job job = jobs.get(ex.jobId);
            if (job == null) {
                ex.error(404, "404 Not Found");
                return;
            }
            Job requester = token == null ? null : jobsByToken.get(token);
            if (requester == null) {
                ex.error(401, "401 Unauthorized");
                return;
            }
            if (requester.state != JobState.RUNNING && requester.state != JobState.CANCELING) {
                ex.error(403, "403 Forbidden");
                return;
            }
            archive = job.archive();
            if (archive == null) {
                ex.error(404, "404 Not Found");
                return;
            }
        } finally {
            lock.unlock();
        }
        if ("true".equals(ex.queryParam("direct_download"))) {
            String key = Tokens.random("", 24);
            String signature = Tokens.hex(64);
            objectLinks.put(key, new ObjectLink(archive, signature));
            String location = url() + "object-storage/" + key + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600"
                    + "&X-Amz-Signature=" + signature;
            ex.send(302, Map.of("Location", location), new byte[0], null);
            return;
        }
        sendFile(ex, archive);
    }

    private void objectStorage(Exchange ex) throws IOException {
        ex.drain();
        ObjectLink link = ex.objectKey == null ? null : objectLinks.get(ex.objectKey);
        if (link == null) {
            ex.send(404, Map.of(), "<Error><Code>NoSuchKey</Code></Error>".getBytes(StandardCharsets.UTF_8),
                    "application/xml");
            return;
        }
        if (!link.signature.equals(ex.queryParam("X-Amz-Signature"))) {
            ex.send(403, Map.of(), "<Error><Code>SignatureDoesNotMatch</Code></Error>".getBytes(StandardCharsets.UTF_8),
                    "application/xml");
            return;
        }
        sendFile(ex, link.artifact);
    }

    private void sendFile(Exchange ex, StoredArtifact artifact) throws IOException {
        byte[] bytes = artifact.bytes();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Disposition", "attachment; filename=\"" + artifact.filename() + "\"");
        headers.put("Accept-Ranges", "bytes");
        String range = ex.header("Range");
        Matcher m = range == null ? null : BYTE_RANGE.matcher(range.trim());
        if (m != null && m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty()) && bytes.length > 0) {
            long first;
            long last;
            if (m.group(1).isEmpty()) {
                first = Math.max(0, bytes.length - Long.parseLong(m.group(2)));
                last = bytes.length - 1;
            } else {
                first = Long.parseLong(m.group(1));
                last = m.group(2).isEmpty() ? bytes.length - 1 : Math.min(Long.parseLong(m.group(2)), bytes.length - 1);
            }
            if (first >= bytes.length || first > last) {
                ex.send(416, Map.of("Content-Range", "bytes */" + bytes.length), new byte[0], null);
                return;
            }
            headers.put("Content-Range", "bytes " + first + "-" + last + "/" + bytes.length);
            ex.send(206, headers, Arrays.copyOfRange(bytes, (int) first, (int) last + 1), "application/octet-stream");
            return;
        }
        ex.send(200, headers, bytes, "application/octet-stream");
    }

    // ------------------------------------------------------------------ runner management

    private void register(Exchange ex) throws IOException {
        JsonNode body = ex.json();
        String token = text(body, "token");
        if (token == null) {
            ex.error(400, "400 Bad request - token is missing");
            return;
        }
        if (!checkRunnerTokenHeader(ex, token)) {
            return;
        }
        if (!registrationTokensAllowed) {
            ex.error(410, "410 Gone - runner registration disallowed");
            return;
        }
        Set<String> tags = new java.util.LinkedHashSet<>();
        JsonNode tagList = body.path("tag_list");
        if (tagList.isArray()) {
            tagList.forEach(t -> addTag(tags, t.asText()));
        } else if (tagList.isTextual()) {
            for (String t : tagList.asText().split(",")) {
                addTag(tags, t);
            }
        }
        boolean runUntagged = body.path("run_untagged").asBoolean(true);
        if (tags.isEmpty() && !runUntagged) {
            ex.error(400, "{\"tags_list\":[\"can not be empty when runner is not allowed to pick untagged jobs\"]}");
            return;
        }
        RunnerHandle runner;
        lock.lock();
        try {
            if (!registrationTokens.contains(token)) {
                ex.error(403, "403 Forbidden");
                return;
            }
            // as Rails (Ci::Runner#prefix_for_new_and_legacy_runner): a runner of a registration token gets its
            // runner type's partition prefix (t1_: instance), never glrt-, kept for runners created in GitLab
            String runnerToken = Tokens.random(LEGACY_RUNNER_PREFIX, 20);
            runner = createRunner(runnerToken, tags, runUntagged, text(body, "description"));
            if (body.path("paused").asBoolean(false) || !body.path("active").asBoolean(true)) {
                runner.pause(true);
            }
        } finally {
            lock.unlock();
        }
        ObjectNode reply = JSON.createObjectNode();
        reply.put("id", runner.id());
        reply.put("token", runner.token());
        reply.putNull("token_expires_at");
        ex.send(201, Map.of(), JSON.writeValueAsBytes(reply), "application/json");
    }

    private static void addTag(Set<String> tags, String tag) {
        String t = tag.trim();
        if (!t.isEmpty()) {
            tags.add(t);
        }
    }

    private void verify(Exchange ex) throws IOException {
        RunnerHandle runner = authenticateRunner(ex);
        if (runner == null) {
            return;
        }
        ex.send(200, Map.of(), registrationDetails(runner), "application/json");
    }

    private void unregister(Exchange ex) throws IOException {
        JsonNode body = ex.json();
        boolean manager = ex.path.endsWith("/managers");
        String systemId = text(body, "system_id");
        if (manager && systemId == null) {
            // Rails' params block (requires :system_id) is checked before the token is
            ex.error(400, "400 Bad request - system_id is missing");
            return;
        }
        RunnerHandle runner = authenticateRunner(ex, body);
        if (runner == null) {
            return;
        }
        if (manager) {
            if (runner.removeSystemId(systemId)) {
                ex.send(204, Map.of(), new byte[0], null);
            } else {
                ex.error(404, "404 Runner manager not found");
            }
            return;
        }
        lock.lock();
        try {
            runners.remove(runner.id());
            runnersByToken.remove(runner.token());
        } finally {
            lock.unlock();
        }
        ex.send(204, Map.of(), new byte[0], null);
    }

    private void resetToken(Exchange ex) throws IOException {
        RunnerHandle runner;
        if (ex.runnerId != null) {
            ex.drain();
            String pat = ex.header("PRIVATE-TOKEN");
            String expected = personalAccessToken;
            if (pat == null || expected == null || !expected.equals(pat)) {
                ex.error(401, "401 Unauthorized");
                return;
            }
            lock.lock();
            try {
                runner = runners.get(ex.runnerId);
            } finally {
                lock.unlock();
            }
            if (runner == null) {
                ex.error(404, "404 Runner Not Found");
                return;
            }
        } else {
            runner = authenticateRunner(ex);
            if (runner == null) {
                return;
            }
        }
        lock.lock();
        try {
            runnersByToken.remove(runner.token());
            // a reset keeps the kind of token: a registered runner's stays without glrt-
            String token = Tokens.random(runner.token().startsWith("glrt-") ? "glrt-" : LEGACY_RUNNER_PREFIX, 20);
            runner.token(token, Instant.now().plus(tokenLifetime).truncatedTo(ChronoUnit.SECONDS));
            runnersByToken.put(token, runner);
        } finally {
            lock.unlock();
        }
        ObjectNode reply = JSON.createObjectNode();
        reply.put("token", runner.token());
        reply.put("token_expires_at", runner.tokenExpiresAt().toString());
        ex.send(201, Map.of(), JSON.writeValueAsBytes(reply), "application/json");
    }

    private RunnerHandle authenticateRunner(Exchange ex) throws IOException {
        return authenticateRunner(ex, ex.json());
    }

    /** Body token (+ matching RUNNER-TOKEN header) → runner; answers 400/403 itself and returns null on failure. */
    private RunnerHandle authenticateRunner(Exchange ex, JsonNode body) throws IOException {
        String token = text(body, "token");
        if (token == null) {
            ex.error(400, "400 Bad request - token is missing");
            return null;
        }
        if (!checkRunnerTokenHeader(ex, token)) {
            return null;
        }
        RunnerHandle runner;
        lock.lock();
        try {
            runner = runnersByToken.get(token);
        } finally {
            lock.unlock();
        }
        if (runner == null) {
            ex.error(403, "403 Forbidden");
            return null;
        }
        runner.contacted(Instant.now());
        if (ex.endpoint == Endpoint.VERIFY) {
            runner.addSystemId(text(body, "system_id"));
        }
        return runner;
    }

    private boolean checkRunnerTokenHeader(Exchange ex, String token) throws IOException {
        String header = ex.header("RUNNER-TOKEN");
        if (header != null && !header.equals(token)) {
            ex.error(400, "400 Bad request - RUNNER-TOKEN header does not match the token in the body");
            return false;
        }
        return true;
    }

    private static byte[] registrationDetails(RunnerHandle runner) throws IOException {
        ObjectNode reply = JSON.createObjectNode();
        reply.put("id", runner.id());
        reply.put("token", runner.token());
        if (runner.tokenExpiresAt() == null) {
            reply.putNull("token_expires_at");
        } else {
            reply.put("token_expires_at", runner.tokenExpiresAt().toString());
        }
        return JSON.writeValueAsBytes(reply);
    }

    // ------------------------------------------------------------------ helpers

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || v.isContainerNode()) {
            return null;
        }
        String s = v.asText();
        return s.isEmpty() ? null : s;
    }

    private static long parseLong(String s, long fallback) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    static byte[] message(String message) {
        ObjectNode node = JSON.createObjectNode();
        node.put("message", message);
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 412 -> "Precondition Failed";
            case 413 -> "Request Entity Too Large";
            case 416 -> "Range Not Satisfiable";
            case 422 -> "Unprocessable Entity";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
    }

    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /** A byte sink that stops keeping bytes (and flags overflow) above a limit. */
    private static final class LimitedBuffer extends ByteArrayOutputStream {
        private final long limit;
        boolean overflow;

        LimitedBuffer(long limit) {
            this.limit = limit;
            this.overflow = limit < 0;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (overflow) {
                return;
            }
            if (count + (long) len > limit) {
                overflow = true;
                reset();
                return;
            }
            super.write(b, off, len);
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }

    private record ObjectLink(StoredArtifact artifact, String signature) {
    }

    /** A job's mutable state; guarded by {@link #lock}. */
    private static final class Job {
        final long id;
        final String token;
        final String name;
        final Set<String> tags;
        final List<JobHandle> dependencies;
        final ObjectNode json;
        private JobPayload parsed;
        private boolean parsedOnce;
        final List<StoredArtifact> artifacts = new ArrayList<>();
        JobState state = JobState.PENDING;
        RunnerHandle runner;
        int archiveRemaining;
        byte[] trace = new byte[256];
        int traceSize;
        String failureReason;
        Integer exitCode;
        String reportedChecksum;
        Long reportedBytesize;

        Job(long id, String token, String name, Set<String> tags, List<JobHandle> dependencies, ObjectNode json,
            int archiveRemaining) {
            this.id = id;
            this.token = token;
            this.name = name;
            this.tags = tags;
            this.dependencies = dependencies;
            this.json = json;
            this.archiveRemaining = archiveRemaining;
        }

        void append(byte[] chunk) {
            if (traceSize + chunk.length > trace.length) {
                trace = Arrays.copyOf(trace, Math.max(trace.length * 2, traceSize + chunk.length));
            }
            System.arraycopy(chunk, 0, trace, traceSize, chunk.length);
            traceSize += chunk.length;
        }

        StoredArtifact archive() {
            for (StoredArtifact a : artifacts) {
                if ("archive".equals(a.type())) {
                    return a;
                }
            }
            return null;
        }

        JobView view() {
            return new JobView(id, name, state, runner == null ? null : runner.id(), failureReason, exitCode,
                    reportedChecksum, reportedBytesize, Arrays.copyOf(trace, traceSize), payload());
        }

        /** The payload as the client reads it, or null when the client refuses it (an edited, broken payload). */
        JobPayload payload() {
            if (!parsedOnce) {
                parsedOnce = true;
                try {
                    parsed = PayloadJson.parseJob(serialize(json));
                } catch (RuntimeException e) {
                    parsed = null;
                }
            }
            return parsed;
        }
    }

    /** One HTTP exchange: routing, body reading, response writing and recording. */
    private final class Exchange {
        final HttpExchange http;
        final Instant time = Instant.now();
        final String method;
        final String path;
        final String query;
        final Endpoint endpoint;
        final Long jobId;
        final Long runnerId;
        final String objectKey;
        final CapturingInputStream body;
        boolean responded;
        int status;

        Exchange(HttpExchange http) {
            this.http = http;
            this.method = http.getRequestMethod();
            this.path = http.getRequestURI().getRawPath();
            this.query = http.getRequestURI().getRawQuery();
            this.body = new CapturingInputStream(http.getRequestBody(), RecordedRequest.BODY_CAPTURE_LIMIT);
            Endpoint ep = Endpoint.UNKNOWN;
            Long job = null;
            Long runner = null;
            String key = null;
            Matcher m;
            if ("/api/v4/jobs/request".equals(path)) {
                ep = "POST".equals(method) ? Endpoint.JOB_REQUEST : Endpoint.UNKNOWN;
            } else if ((m = JOB_PATH.matcher(path)).matches()) {
                job = Long.parseLong(m.group(1));
                ep = "PUT".equals(method) ? Endpoint.JOB_UPDATE : Endpoint.UNKNOWN;
            } else if ((m = TRACE_PATH.matcher(path)).matches()) {
                job = Long.parseLong(m.group(1));
                ep = "PATCH".equals(method) ? Endpoint.TRACE_PATCH : Endpoint.UNKNOWN;
            } else if ((m = ARTIFACTS_PATH.matcher(path)).matches()) {
                job = Long.parseLong(m.group(1));
                ep = switch (method) {
                    case "POST" -> Endpoint.ARTIFACT_UPLOAD;
                    case "GET" -> Endpoint.ARTIFACT_DOWNLOAD;
                    default -> Endpoint.UNKNOWN;
                };
            } else if ("/api/v4/runners".equals(path)) {
                ep = switch (method) {
                    case "POST" -> Endpoint.REGISTER;
                    case "DELETE" -> Endpoint.UNREGISTER;
                    default -> Endpoint.UNKNOWN;
                };
            } else if ("/api/v4/runners/verify".equals(path)) {
                ep = "POST".equals(method) ? Endpoint.VERIFY : Endpoint.UNKNOWN;
            } else if ("/api/v4/runners/managers".equals(path)) {
                ep = "DELETE".equals(method) ? Endpoint.UNREGISTER : Endpoint.UNKNOWN;
            } else if ("/api/v4/runners/reset_authentication_token".equals(path)) {
                ep = "POST".equals(method) ? Endpoint.RESET_TOKEN : Endpoint.UNKNOWN;
            } else if ((m = RUNNER_RESET_PATH.matcher(path)).matches()) {
                runner = Long.parseLong(m.group(1));
                ep = "POST".equals(method) ? Endpoint.RESET_TOKEN : Endpoint.UNKNOWN;
            } else if ((m = OBJECT_PATH.matcher(path)).matches()) {
                key = m.group(1);
                ep = "GET".equals(method) || "HEAD".equals(method) ? Endpoint.OBJECT_STORAGE : Endpoint.UNKNOWN;
            }
            this.endpoint = ep;
            this.jobId = job;
            this.runnerId = runner;
            this.objectKey = key;
        }

        String header(String name) {
            return http.getRequestHeaders().getFirst(name);
        }

        String queryParam(String name) {
            if (query == null) {
                return null;
            }
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                if (key.equals(name)) {
                    return eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
            return null;
        }

        CapturingInputStream body() {
            return body;
        }

        byte[] bytes() throws IOException {
            byte[] bytes = body.readNBytes(MAX_JSON_BODY + 1);
            if (bytes.length > MAX_JSON_BODY) {
                throw new BadRequest("body too large");
            }
            return bytes;
        }

        /** The body as a JSON object ({} when empty); invalid JSON is a 400. */
        JsonNode json() throws IOException {
            byte[] bytes = bytes();
            if (bytes.length == 0) {
                return JSON.createObjectNode();
            }
            try {
                JsonNode node = JSON.readTree(bytes);
                if (node == null || !node.isObject()) {
                    throw new BadRequest("body must be a JSON object");
                }
                return node;
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new BadRequest("body is not valid JSON");
            }
        }

        void drain() throws IOException {
            body.drain();
        }

        void ok200(JobState state) throws IOException {
            send(200, Map.of("Job-Status", state.wireName()), "200".getBytes(StandardCharsets.UTF_8), "application/json");
        }

        void error(int status, String message) {
            error(status, message, Map.of());
        }

        void error(int status, String message, Map<String, String> headers) {
            try {
                // A message that is itself a JSON object is a validation error: {"message":{"field":["..."]}}.
                byte[] bytes = message.startsWith("{")
                        ? ("{\"message\":" + message + "}").getBytes(StandardCharsets.UTF_8)
                        : message(message);
                send(status, headers, bytes, "application/json");
            } catch (IOException e) {
                LOG.debug("cannot send {} on {} {}: {}", status, method, path, e.toString());
            }
        }

        void send(int status, Map<String, String> headers, byte[] bytes, String contentType) throws IOException {
            if (responded) {
                throw new IllegalStateException("already responded");
            }
            responded = true;
            this.status = status;
            var out = http.getResponseHeaders();
            if (contentType != null && bytes.length > 0) {
                out.set("Content-Type", contentType);
            }
            headers.forEach(out::set);
            String requestId = header("X-Request-Id");
            if (requestId != null) {
                out.set("X-Request-Id", requestId);
            }
            // Record before answering, so a test sees the request as soon as its client has the response.
            record();
            boolean noBody = status == 204 || status == 304 || "HEAD".equals(method) || bytes.length == 0;
            http.sendResponseHeaders(status, noBody ? -1 : bytes.length);
            if (!noBody) {
                try (OutputStream os = http.getResponseBody()) {
                    os.write(bytes);
                }
            }
        }

        /** Closes the connection without any response. */
        void drop() {
            responded = true;
            status = RecordedRequest.DROPPED;
            record();
            // Closing an exchange before its headers were sent closes the underlying connection.
            http.close();
        }

        void finish() {
            if (!responded) {
                error(500, "500 Internal Server Error");
            }
            http.close();
            record();
        }

        private boolean recordedOnce;

        private void record() {
            if (recordedOnce) {
                return;
            }
            recordedOnce = true;
            RecordedRequest request = new RecordedRequest(endpoint, method, path, query, http.getRequestHeaders(),
                    body.captured(), body.count(), status, time);
            synchronized (recorded) {
                recorded.add(request);
            }
            LOG.debug("{} {} -> {}", method, path, status);
        }
    }

    /** Builder of a {@link FakeCoordinator}. */
    public static final class Builder {
        private Duration longPollTimeout = Duration.ofSeconds(2);
        private Duration traceUpdateInterval = Duration.ofSeconds(3);
        private Duration tokenLifetime = Duration.ofDays(30);
        private long maxArtifactSize = 256L * 1024 * 1024;
        private int archiveFinalUpdates;
        private String personalAccessToken;
        private boolean registrationTokensAllowed = true;
        private final Set<String> registrationTokens = new HashSet<>();
        private long firstJobId = 1;
        private int port;

        private Builder() {
        }

        /** The loopback port to serve on (default: an ephemeral one), e.g. to play a coordinator that comes back. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535");
            }
            this.port = port;
            return this;
        }

        /**
         * The id of the first job enqueued (default 1). Executors name containers after runner and job ids: tests
         * sharing one Docker Engine give each fake its own range.
         */
        public Builder firstJobId(long id) {
            if (id < 1) {
                throw new IllegalArgumentException("firstJobId must be >= 1");
            }
            this.firstJobId = id;
            return this;
        }

        /** How long jobs/request with {@code last_update} is held when no job is available (default 2 s). */
        public Builder longPollTimeout(Duration timeout) {
            this.longPollTimeout = requirePositive(timeout, "longPollTimeout");
            return this;
        }

        /** The value of X-GitLab-Trace-Update-Interval on trace patches (default 3 s). */
        public Builder traceUpdateInterval(Duration interval) {
            this.traceUpdateInterval = requirePositive(interval, "traceUpdateInterval");
            return this;
        }

        /** Lifetime announced by token resets in token_expires_at (default 30 days). */
        public Builder tokenLifetime(Duration lifetime) {
            this.tokenLifetime = requirePositive(lifetime, "tokenLifetime");
            return this;
        }

        /** Uploads larger than this get 413 (default 256 MiB). */
        public Builder maxArtifactSize(long bytes) {
            this.maxArtifactSize = bytes;
            return this;
        }

        /** The first n final-state PUTs of every job answer 202 (default 0). */
        public Builder archiveFinalUpdates(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("n must be >= 0");
            }
            this.archiveFinalUpdates = n;
            return this;
        }

        public Builder personalAccessToken(String token) {
            this.personalAccessToken = token;
            return this;
        }

        public Builder registrationToken(String token) {
            this.registrationTokens.add(Objects.requireNonNull(token, "token"));
            return this;
        }

        /** POST /runners answers 410 Gone. */
        public Builder disallowRegistrationTokens() {
            this.registrationTokensAllowed = false;
            return this;
        }

        public FakeCoordinator build() {
            return new FakeCoordinator(this);
        }

        /** {@code build().start()}. */
        public FakeCoordinator start() {
            return build().start();
        }

        private static Duration requirePositive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return d;
        }
    }
}
