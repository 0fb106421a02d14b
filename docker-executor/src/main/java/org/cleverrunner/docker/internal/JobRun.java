package org.cleverrunner.docker.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.cleverrunner.docker.internal.sources.SourceFetchException;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Trace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job on one Docker host, in GitLab's stage order: prepare, get sources, restore cache, download artifacts,
 * step_script, after_script, archive cache, upload artifacts; then the clean-up that removes every container,
 * network and volume the job created, whatever happened. Only request/response and streamed-response Engine calls
 * are used (no attach, no exec), so the same run works through an HTTPS gateway.
 */
public final class JobRun {

    private static final Logger LOG = LoggerFactory.getLogger(JobRun.class);
    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern IMAGE_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._/:@-]{0,511}");

    /** Settings of the executor that apply to every job. */
    public record Settings(Duration serviceWaitTimeout, Duration stopTimeout, SourceProvider sources, Clock clock,
            String runnerVersion) {
    }

    private final DockerClient docker;
    private final JobPlan plan;
    private final Host host;
    private final JobContext context;
    private final Trace trace;
    private final JobControl control;
    private final Settings settings;
    private final Names names;
    private final BuildPaths paths;
    private final Instant deadline;
    private final AtomicReference<String> runningContainer = new AtomicReference<>();
    private final List<String> serviceContainers = new ArrayList<>();
    /** A created container with the build volume mounted, for archive uploads and downloads. */
    private String archiveContainer;
    private boolean withNetwork;
    private Set<String> trackedFiles = Set.of();
    private boolean timedOut;

    public JobRun(DockerClient docker, JobPlan plan, Host host, JobContext context, Settings settings) {
        this.docker = docker;
        this.plan = plan;
        this.host = host;
        this.context = context;
        this.trace = context.trace();
        this.control = context.control();
        this.settings = settings;
        this.names = new Names(plan.runnerId(), plan.jobId());
        this.paths = new BuildPaths(plan.projectPath());
        this.deadline = settings.clock().instant().plus(plan.timeout());
    }

    /** Runs every stage, then always cleans up. */
    public JobOutcome execute() throws InterruptedException {
        control.onStop(this::stopRunningContainer);
        try {
            return stages();
        } catch (RuntimeException | IOException e) {
            // docker-java wraps transport failures (a VM gone, a connection refused) in bare RuntimeExceptions
            String message = "the Docker host failed: " + oneLine(e.getCause() != null && e.getMessage() != null
                    && e.getMessage().startsWith(e.getCause().getClass().getName()) ? e.getCause() : e);
            trace.line("\u001b[31;1mERROR: Job failed (system failure): " + message + "\u001b[0;m");
            return JobOutcome.failed(JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE, null, message);
        } finally {
            cleanup();
        }
    }

    private JobOutcome stages() throws InterruptedException, IOException {
        // ---- prepare
        trace.sectionStart("prepare_executor", "Preparing the \"docker\" executor");
        trace.line("Using Docker executor with image " + plan.image().name() + " on " + describeHost());
        String imageProblem = ensureImage(plan.image().name(), plan.image().pullPolicy());
        if (imageProblem != null) {
            trace.sectionEnd("prepare_executor");
            return failed(JobOutcome.FailureKind.IMAGE_PULL_FAILURE, null, imageProblem);
        }
        // A network of the job's own only when services need one, as GitLab's default; else the engine's default.
        withNetwork = !plan.services().isEmpty();
        if (withNetwork) {
            docker.createNetworkCmd().withName(names.network()).withDriver("bridge").withCheckDuplicate(true)
                    .withLabels(names.labels("network")).exec();
        }
        docker.createVolumeCmd().withName(names.buildVolume()).withLabels(names.labels("builds")).exec();
        JobOutcome servicesOutcome = startServices();
        trace.sectionEnd("prepare_executor");
        if (servicesOutcome != null) {
            return servicesOutcome;
        }
        if (control.stopRequested()) {
            return canceled();
        }

        // ---- the step_script container is created now, not started: every upload goes through it
        List<String> environment = environment(null);
        String stepContainer = createStageContainer("step-script", Scripts.launcher(paths.tmpDir() + "/step_script"),
                environment);
        archiveContainer = stepContainer;
        uploadJobFiles();

        // ---- get sources
        trace.sectionStart("get_sources", "Getting source from Git repository");
        try {
            SourceProvider.Fetched fetched = settings.sources().fetch(plan, trace, control);
            trackedFiles = fetched.trackedFiles();
            if (fetched.directory() != null) {
                // the working copy goes in whole, .git or .hg included: jobs may run VCS commands
                uploadTar(paths.parentDir(), out -> Archives.writeDirectory(out, fetched.directory(), paths.leafName(),
                        relative -> false));
            }
        } catch (SourceFetchException e) {
            trace.sectionEnd("get_sources");
            if (control.stopRequested()) {
                return canceled();
            }
            return failed(JobOutcome.FailureKind.SCRIPT_FAILURE, null, oneLine(e));
        }
        trace.sectionEnd("get_sources");
        if (control.stopRequested()) {
            return canceled();
        }

        // ---- restore cache
        if (!plan.caches().isEmpty()) {
            trace.sectionStart("restore_cache", "Restoring cache");
            restoreCaches();
            trace.sectionEnd("restore_cache");
        }

        // ---- download artifacts
        List<JobPlan.DependencySpec> withArtifacts = plan.dependencies().stream()
                .filter(dependency -> dependency.filename() != null).toList();
        if (!withArtifacts.isEmpty()) {
            trace.sectionStart("download_artifacts", "Downloading artifacts");
            String problem = downloadArtifacts(withArtifacts);
            trace.sectionEnd("download_artifacts");
            if (problem != null) {
                return failed(JobOutcome.FailureKind.SCRIPT_FAILURE, null, problem);
            }
        }
        if (control.stopRequested()) {
            return canceled();
        }

        // ---- step_script
        trace.sectionStart("step_script", "Executing \"step_script\" stage of the job script");
        JobOutcome outcome;
        try {
            int exitCode = runCreated(stepContainer, "step-script", remaining());
            if (control.state() != JobControl.State.RUNNING) {
                outcome = JobOutcome.canceled("the job was canceled");
            } else if (exitCode == 0) {
                outcome = JobOutcome.success();
            } else {
                outcome = JobOutcome.failed(JobOutcome.FailureKind.SCRIPT_FAILURE, exitCode,
                        "exit code " + exitCode);
            }
        } catch (StageTimeoutException e) {
            timedOut = true;
            outcome = JobOutcome.failed(JobOutcome.FailureKind.JOB_EXECUTION_TIMEOUT, null, e.getMessage());
        }
        trace.sectionEnd("step_script");

        // ---- after_script: always, unless the job was aborted
        if (!plan.afterScript().isEmpty() && control.state() != JobControl.State.ABORTED) {
            trace.sectionStart("after_script", "Running after_script");
            trace.line("Running after script...");
            try {
                String afterContainer = createStageContainer("after-script",
                        Scripts.launcher(paths.tmpDir() + "/after_script"), environment(jobStatus(outcome)));
                int afterExit = runCreated(afterContainer, "after-script", plan.afterScriptTimeout());
                if (afterExit != 0) {
                    trace.line("\u001b[0;33mWARNING: after_script failed with exit code " + afterExit
                            + ", ignored\u001b[0;m");
                }
            } catch (StageTimeoutException e) {
                trace.line("\u001b[0;33mWARNING: after_script timed out after " + plan.afterScriptTimeout()
                        + ", ignored\u001b[0;m");
            }
            trace.sectionEnd("after_script");
        }
        if (control.state() == JobControl.State.ABORTED) {
            return outcome.status() == JobOutcome.Status.CANCELED ? outcome : JobOutcome.canceled("the job was aborted");
        }

        // ---- archive cache, upload artifacts
        boolean succeeded = outcome.status() == JobOutcome.Status.SUCCESS;
        if (!plan.caches().isEmpty()) {
            trace.sectionStart("archive_cache", "Saving cache for " + (succeeded ? "successful" : "failed") + " job");
            archiveCaches(succeeded);
            trace.sectionEnd("archive_cache");
        }
        if (!plan.artifacts().isEmpty()) {
            String section = succeeded ? "upload_artifacts_on_success" : "upload_artifacts_on_failure";
            trace.sectionStart(section, "Uploading artifacts for " + (succeeded ? "successful" : "failed") + " job");
            String problem = uploadArtifacts(succeeded);
            trace.sectionEnd(section);
            if (problem != null && succeeded) {
                outcome = JobOutcome.failed(JobOutcome.FailureKind.SCRIPT_FAILURE, null, problem);
            }
        }
        return report(outcome);
    }

    // ------------------------------------------------------------------ images

    /** Finds or pulls the image per its pull policy; returns a message for the job log when it cannot. */
    private String ensureImage(String image, List<String> pullPolicy) throws InterruptedException {
        if (!IMAGE_NAME.matcher(image).matches() || image.contains("..")) {
            return "invalid image name '" + printable(image) + "'";
        }
        List<String> policy = pullPolicy.isEmpty() ? List.of("if-not-present") : pullPolicy;
        boolean present = imagePresent(image);
        if (present && !policy.contains("always")) {
            trace.line("Using locally found image " + image);
            return null;
        }
        if (policy.contains("never")) {
            return present ? null : "image " + image + " is not present and its pull policy is never";
        }
        trace.line("Pulling docker image " + image + " ...");
        try {
            var pull = docker.pullImageCmd(image);
            AuthConfig auth = authFor(image);
            if (auth != null) {
                pull = pull.withAuthConfig(auth);
            }
            pull.exec(new PullImageResultCallback()).awaitCompletion(30, TimeUnit.MINUTES);
            if (imagePresent(image)) {
                return null;
            }
            return "failed to pull image " + image;
        } catch (DockerException | DockerClientException e) {
            if (present) {
                trace.line("\u001b[0;33mWARNING: pulling " + image + " failed, using the local copy: " + oneLine(e)
                        + "\u001b[0;m");
                return null;
            }
            return "failed to pull image \"" + image + "\": " + oneLine(e);
        }
    }

    private boolean imagePresent(String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    private AuthConfig authFor(String image) {
        for (JobPlan.RegistryAuth auth : plan.registryAuths()) {
            if (image.startsWith(auth.registry() + "/")) {
                return new AuthConfig().withRegistryAddress(auth.registry()).withUsername(auth.username())
                        .withPassword(auth.password().reveal());
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ containers

    private HostConfig hostConfig() {
        HostConfig config = HostConfig.newHostConfig()
                .withBinds(new Bind(names.buildVolume(), new Volume(BuildPaths.BUILDS_DIR)));
        return withNetwork ? config.withNetworkMode(names.network()) : config;
    }

    /** A stage container, created with the build volume and the job's environment, not started. */
    private String createStageContainer(String role, List<String> command, List<String> environment) {
        CreateContainerCmd create = docker.createContainerCmd(plan.image().name()).withName(names.container(role))
                .withLabels(names.labels(role)).withEnv(environment).withWorkingDir(paths.projectDir())
                .withHostConfig(hostConfig()).withCmd(command);
        if (!plan.image().entrypoint().isEmpty()) {
            create = create.withEntrypoint(plan.image().entrypoint());
        } else {
            create = create.withEntrypoint(List.of()); // run our launcher, not the image's entrypoint
        }
        if (plan.image().user() != null && !plan.image().user().isBlank()) {
            create = create.withUser(plan.image().user());
        }
        return create.exec().getId();
    }

    /**
     * Starts a created stage container and runs it to its end, streaming its output into the trace; returns its
     * exit code.
     *
     * @throws StageTimeoutException when it outlives {@code timeout} (it is stopped first)
     */
    private int runCreated(String id, String role, Duration timeout) throws InterruptedException, StageTimeoutException {
        runningContainer.set(id);
        try {
            if (control.stopRequested() && !"after-script".equals(role)) {
                return 130;
            }
            docker.startContainerCmd(id).exec();
            Thread follower = new Thread(() -> {
                try {
                    new LogFollower(docker, id, trace).follow();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    LOG.debug("log follower of {} failed: {}", id, e.toString());
                }
            }, "logs-" + names.container(role));
            follower.setDaemon(true);
            follower.start();
            Integer exitCode = waitForExit(id, timeout);
            if (exitCode == null) {
                stopQuietly(id);
                LogFollower.awaitDrained(follower, id);
                throw new StageTimeoutException(role.replace('-', '_') + " exceeded its timeout of "
                        + humanDuration(timeout));
            }
            LogFollower.awaitDrained(follower, id); // until its output is drained, not a fixed time
            return exitCode == null ? -1 : exitCode;
        } finally {
            runningContainer.compareAndSet(id, null);
        }
    }

    /**
     * The container's exit code, or null when it is still running after {@code timeout}. A wait cut by a proxy is
     * re-issued; the container's state decides, so no exit is missed.
     */
    private Integer waitForExit(String id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return null;
            }
            WaitContainerResultCallback wait = docker.waitContainerCmd(id).exec(new WaitContainerResultCallback());
            try {
                return wait.awaitStatusCode(left, TimeUnit.MILLISECONDS);
            } catch (DockerClientException e) {
                if (e.getCause() instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                    // docker-java wraps the interruption; the executor's caller wants it back
                    throw new InterruptedException("interrupted while waiting for " + id);
                }
                if (String.valueOf(e.getMessage()).contains("timeout")) {
                    continue; // the loop checks the deadline
                }
                Integer exited = exitCodeIfStopped(id);
                if (exited != null) {
                    return exited;
                }
            } catch (RuntimeException e) {
                Integer exited = exitCodeIfStopped(id);
                if (exited != null) {
                    return exited;
                }
                LOG.debug("wait on {} was cut ({}), waiting again", id, e.toString());
                Thread.sleep(100);
            } finally {
                closeQuietly(wait);
            }
        }
    }

    private Integer exitCodeIfStopped(String id) {
        var state = docker.inspectContainerCmd(id).exec().getState();
        if (Boolean.TRUE.equals(state.getRunning())) {
            return null;
        }
        Long code = state.getExitCodeLong();
        return code == null ? -1 : code.intValue();
    }

    private void stopRunningContainer() {
        String id = runningContainer.get();
        if (id != null) {
            trace.line("\u001b[0;33mStopping the job's container on request\u001b[0;m");
            stopQuietly(id);
        }
    }

    private void stopQuietly(String id) {
        try {
            docker.stopContainerCmd(id).withTimeout((int) Math.max(1, settings.stopTimeout().toSeconds())).exec();
        } catch (RuntimeException e) {
            LOG.debug("stopping {} failed: {}", id, e.toString());
        }
    }

    // ------------------------------------------------------------------ services

    private JobOutcome startServices() throws InterruptedException {
        int index = 0;
        Map<String, List<ExposedPort>> toWaitFor = new LinkedHashMap<>();
        for (JobPlan.ServiceSpec service : plan.services()) {
            String role = "service-" + index++;
            String problem = ensureImage(service.image(), service.pullPolicy());
            if (problem != null) {
                return failed(JobOutcome.FailureKind.IMAGE_PULL_FAILURE, null, problem);
            }
            List<String> rejected = new ArrayList<>();
            List<String> aliases = ServiceAliases.of(service.image(), service.aliases(), rejected);
            for (String alias : rejected) {
                trace.line("\u001b[0;33mWARNING: ignoring invalid service alias '" + printable(alias) + "'\u001b[0;m");
            }
            trace.line("Starting service " + service.image() + " as " + String.join(", ", aliases) + " ...");
            Map<String, String> env = new LinkedHashMap<>();
            for (JobPlan.Variable variable : plan.variables()) {
                env.put(variable.key(), variable.value());
            }
            for (JobPlan.Variable variable : service.variables()) {
                env.put(variable.key(), variable.value());
            }
            CreateContainerCmd create = docker.createContainerCmd(service.image()).withName(names.container(role))
                    .withLabels(names.labels(role)).withEnv(toEnvironment(env))
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode(names.network()))
                    .withAliases(aliases);
            if (!service.entrypoint().isEmpty()) {
                create = create.withEntrypoint(service.entrypoint());
            }
            if (!service.command().isEmpty()) {
                create = create.withCmd(service.command());
            }
            String id = create.exec().getId();
            serviceContainers.add(id);
            docker.startContainerCmd(id).exec();
            List<ExposedPort> ports = exposedPorts(service.image());
            if (!ports.isEmpty() && !aliases.isEmpty()) {
                toWaitFor.put(id + "\u0000" + aliases.get(0), ports);
            }
        }
        for (Map.Entry<String, List<ExposedPort>> entry : toWaitFor.entrySet()) {
            String[] parts = entry.getKey().split("\u0000");
            waitForService(parts[0], parts[1], entry.getValue());
        }
        return null;
    }

    private List<ExposedPort> exposedPorts(String image) {
        InspectImageResponse inspect = docker.inspectImageCmd(image).exec();
        if (inspect.getConfig() == null || inspect.getConfig().getExposedPorts() == null) {
            return List.of();
        }
        return List.of(inspect.getConfig().getExposedPorts()).stream()
                .filter(port -> port.getProtocol() == null || "tcp".equalsIgnoreCase(port.getProtocol().toString()))
                .toList();
    }

    /** Waits (bounded) for a service's TCP ports from a container of the job's image; warns instead of failing. */
    private void waitForService(String serviceId, String alias, List<ExposedPort> ports) throws InterruptedException {
        StringBuilder portList = new StringBuilder();
        for (ExposedPort port : ports) {
            portList.append(portList.length() == 0 ? "" : " ").append(port.getPort());
        }
        trace.line("Waiting for service " + alias + " on port(s) " + portList + " ...");
        String role = "wait-" + alias.replaceAll("[^a-zA-Z0-9_.-]", "_");
        String id = docker.createContainerCmd(plan.image().name()).withName(names.container(role))
                .withLabels(names.labels("wait")).withEntrypoint(List.of())
                .withEnv("CR_HOST=" + alias, "CR_PORTS=" + portList)
                .withCmd("sh", "-c", Scripts.waitForPorts())
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode(names.network())).exec().getId();
        WaitContainerResultCallback wait = null;
        try {
            docker.startContainerCmd(id).exec();
            wait = docker.waitContainerCmd(id).exec(new WaitContainerResultCallback());
            Integer code = wait.awaitStatusCode(settings.serviceWaitTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (code != null && code == 0) {
                return;
            }
            warnServiceDown(serviceId, alias, "its health check failed");
        } catch (DockerClientException e) {
            if (e.getCause() instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("interrupted while waiting for service " + alias);
            }
            warnServiceDown(serviceId, alias, "no answer within " + humanDuration(settings.serviceWaitTimeout()));
        } finally {
            closeQuietly(wait);
            removeQuietly(id);
        }
    }

    private void warnServiceDown(String serviceId, String alias, String why) throws InterruptedException {
        trace.line("\u001b[0;33mWARNING: Service " + alias + " probably didn't start properly: " + why
                + "\u001b[0;m");
        trace.line("Service container logs:");
        var callback = new com.github.dockerjava.api.async.ResultCallback.Adapter<com.github.dockerjava.api.model.Frame>() {
            @Override
            public void onNext(com.github.dockerjava.api.model.Frame frame) {
                byte[] payload = frame.getPayload();
                trace.write(payload, 0, payload.length);
            }
        };
        docker.logContainerCmd(serviceId).withStdOut(true).withStdErr(true).withTail(100).exec(callback);
        callback.awaitCompletion(10, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ variables and files

    /** The containers' environment: the plan's variables, file variables as paths, and the runner's own. */
    private List<String> environment(String jobStatus) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JobPlan.Variable variable : plan.variables()) {
            if (!VARIABLE_NAME.matcher(variable.key()).matches()) {
                continue; // reported once by uploadJobFiles
            }
            env.put(variable.key(), variable.file() ? paths.tmpDir() + "/" + variable.key() : variable.value());
        }
        env.put("CI_BUILDS_DIR", BuildPaths.BUILDS_DIR);
        env.put("CI_PROJECT_DIR", paths.projectDir());
        env.put("CI_DISPOSABLE_ENVIRONMENT", "true");
        env.put("CI_RUNNER_SHORT_TOKEN", plan.runnerId());
        env.put("CI_RUNNER_VERSION", settings.runnerVersion());
        env.put("CI_RUNNER_EXECUTABLE_ARCH", "linux/" + System.getProperty("os.arch"));
        env.put("CI_JOB_TIMEOUT", Long.toString(plan.timeout().toSeconds()));
        if (jobStatus != null) {
            env.put("CI_JOB_STATUS", jobStatus);
        }
        return toEnvironment(env);
    }

    private static List<String> toEnvironment(Map<String, String> env) {
        List<String> entries = new ArrayList<>(env.size());
        env.forEach((key, value) -> entries.add(key + "=" + value));
        return entries;
    }

    /** Scripts and file variables go to the build volume through the archive API, like everything else. */
    private void uploadJobFiles() throws IOException, InterruptedException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("step_script", Scripts.step(plan.script()).getBytes(StandardCharsets.UTF_8));
        files.put("after_script", Scripts.step(plan.afterScript()).getBytes(StandardCharsets.UTF_8));
        for (JobPlan.Variable variable : plan.variables()) {
            if (!VARIABLE_NAME.matcher(variable.key()).matches()) {
                trace.line("\u001b[0;33mWARNING: ignoring variable with invalid name '" + printable(variable.key())
                        + "'\u001b[0;m");
            } else if (variable.file()) {
                files.put(variable.key(), variable.value().getBytes(StandardCharsets.UTF_8));
            }
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        files.forEach((name, content) -> entries.put(paths.tmpEntry() + "/" + name, content));
        uploadTar(BuildPaths.BUILDS_DIR, out -> Archives.writeFiles(out, List.of(paths.projectEntry()), entries, 0777));
    }

    // ------------------------------------------------------------------ caches and artifacts

    private void restoreCaches() throws InterruptedException {
        for (JobPlan.CacheRule rule : plan.caches()) {
            if ("push".equals(rule.policy())) {
                trace.line("Not downloading cache " + rule.key() + " due to policy");
                continue;
            }
            List<String> keys = new ArrayList<>();
            keys.add(rule.key());
            keys.addAll(rule.fallbackKeys());
            boolean restored = false;
            for (String key : keys) {
                trace.line("Checking cache for " + key + "...");
                try {
                    var archive = context.cache().open(key);
                    if (archive.isEmpty()) {
                        continue;
                    }
                    Path spool = Files.createTempFile("clever-runner-cache", ".zip");
                    try (InputStream zip = archive.get()) {
                        Files.copy(zip, spool, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        uploadTar(paths.parentDir(), out -> Archives.zipToTar(spool, out, paths.leafName()));
                    } finally {
                        deleteQuietly(spool);
                    }
                    trace.line("Successfully extracted cache");
                    restored = true;
                    break;
                } catch (IOException | RuntimeException e) {
                    trace.line("\u001b[0;33mWARNING: failed to restore cache " + key + ": " + oneLine(e) + "\u001b[0;m");
                }
            }
            if (!restored) {
                trace.line("\u001b[0;33mWARNING: cache " + rule.key() + " not found\u001b[0;m");
            }
        }
    }

    private void archiveCaches(boolean succeeded) {
        for (JobPlan.CacheRule rule : plan.caches()) {
            if ("pull".equals(rule.policy()) || !applies(rule.when(), succeeded)) {
                trace.line("Not uploading cache " + rule.key() + " due to policy");
                continue;
            }
            trace.line("Creating cache " + rule.key() + "...");
            Path zip = null;
            try {
                zip = Files.createTempFile("clever-runner-cache", ".zip");
                int files = zipProject(zip, new Archives.Selection(rule.paths(), List.of(), rule.untracked(),
                        trackedFiles));
                try (InputStream in = Files.newInputStream(zip)) {
                    context.cache().save(rule.key(), in, Files.size(zip));
                }
                trace.line("Created cache with " + files + " file(s)");
            } catch (IOException | RuntimeException e) {
                trace.line("\u001b[0;33mWARNING: failed to save cache " + rule.key() + ": " + oneLine(e) + "\u001b[0;m");
            } finally {
                deleteQuietly(zip);
            }
        }
    }

    private String downloadArtifacts(List<JobPlan.DependencySpec> dependencies) {
        for (JobPlan.DependencySpec dependency : dependencies) {
            trace.line("Downloading artifacts for " + dependency.name() + " (" + dependency.jobId() + ")...");
            Path zip = null;
            try {
                zip = Files.createTempFile("clever-runner-deps", ".zip");
                boolean found;
                try (OutputStream out = Files.newOutputStream(zip)) {
                    found = context.artifacts().download(dependency, out);
                }
                if (!found) {
                    return "the artifacts of " + dependency.name() + " (" + dependency.jobId() + ") are not available";
                }
                Path source = zip;
                uploadTar(paths.parentDir(), out -> Archives.zipToTar(source, out, paths.leafName()));
                trace.line("Downloaded artifacts for " + dependency.name() + " (" + dependency.jobId() + ")");
            } catch (IOException | InterruptedException | RuntimeException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return "downloading the artifacts of " + dependency.name() + " failed: " + oneLine(e);
            } finally {
                deleteQuietly(zip);
            }
        }
        return null;
    }

    private String uploadArtifacts(boolean succeeded) {
        String problem = null;
        for (JobPlan.ArtifactRule rule : plan.artifacts()) {
            if (!applies(rule.when(), succeeded)) {
                continue;
            }
            Path archive = null;
            try {
                archive = Files.createTempFile("clever-runner-artifacts", ".zip");
                Archives.Selection selection = new Archives.Selection(rule.paths(), rule.exclude(), rule.untracked(),
                        trackedFiles);
                int files;
                String filename;
                if ("zip".equals(rule.format())) {
                    files = zipProject(archive, selection);
                    filename = "artifacts.zip";
                } else if ("gzip".equals(rule.format())) {
                    files = gzipProject(archive, selection);
                    filename = (rule.name() == null ? rule.type() : rule.name()) + ".gz";
                } else {
                    trace.line("\u001b[0;33mWARNING: artifact format " + rule.format() + " is not supported, skipped"
                            + "\u001b[0;m");
                    continue;
                }
                if (files == 0) {
                    trace.line("\u001b[0;33mWARNING: " + String.join(", ", rule.paths())
                            + ": no matching files\u001b[0;m");
                    continue;
                }
                trace.line("Uploading artifacts (" + files + " file(s), " + Files.size(archive) + " bytes) to coordinator...");
                String refused = context.artifacts().upload(rule, filename, archive);
                if (refused == null) {
                    trace.line("Uploading artifacts as \"" + rule.type() + "\" to coordinator... ok");
                } else {
                    trace.line("\u001b[31;1mERROR: Uploading artifacts as \"" + rule.type() + "\" to coordinator... "
                            + refused + "\u001b[0;m");
                    problem = "uploading artifacts failed: " + refused;
                }
            } catch (IOException | RuntimeException e) {
                trace.line("\u001b[31;1mERROR: uploading artifacts failed: " + oneLine(e) + "\u001b[0;m");
                problem = "uploading artifacts failed: " + oneLine(e);
            } finally {
                deleteQuietly(archive);
            }
        }
        return problem;
    }

    /** Zips the project files the selection takes, streaming the project's tar from the build volume. */
    private int zipProject(Path zip, Archives.Selection selection) throws IOException {
        try (InputStream tar = docker.copyArchiveFromContainerCmd(archiveContainer, paths.projectDir()).exec();
                OutputStream out = Files.newOutputStream(zip)) {
            return Archives.tarToZip(tar, out, selection);
        }
    }

    /** Multi-member gzip of the selected files (GitLab's format for reports such as junit). */
    private int gzipProject(Path gzip, Archives.Selection selection) throws IOException {
        Path zip = Files.createTempFile("clever-runner-report", ".zip");
        try {
            int files = zipProject(zip, selection);
            try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(zip));
                    OutputStream out = Files.newOutputStream(gzip)) {
                while (in.getNextEntry() != null) {
                    GZIPOutputStream member = new GZIPOutputStream(new NonClosing(out));
                    in.transferTo(member);
                    member.finish();
                }
            }
            return files;
        } finally {
            deleteQuietly(zip);
        }
    }

    private static boolean applies(String when, boolean succeeded) {
        return switch (when == null ? "on_success" : when) {
            case "always" -> true;
            case "on_failure" -> !succeeded;
            default -> succeeded;
        };
    }

    // ------------------------------------------------------------------ archive uploads

    @FunctionalInterface
    private interface TarWriter {
        void write(OutputStream out) throws IOException;
    }

    /** Streams a tar produced by {@code writer} into the build volume at {@code remoteDir}, through a pipe. */
    private void uploadTar(String remoteDir, TarWriter writer) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (PipedInputStream in = new PipedInputStream(64 * 1024)) {
            PipedOutputStream out = new PipedOutputStream(in);
            Thread producer = new Thread(() -> {
                try (out) {
                    writer.write(out);
                } catch (IOException | RuntimeException e) {
                    failure.set(e);
                }
            }, "tar-" + names.prefix());
            producer.setDaemon(true);
            producer.start();
            try {
                docker.copyArchiveToContainerCmd(archiveContainer).withRemotePath(remoteDir)
                        .withTarInputStream(in).exec();
            } finally {
                in.close();
                producer.join(TimeUnit.SECONDS.toMillis(30));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (failure.get() != null) {
            throw new UncheckedIOException(new IOException(oneLine(failure.get()), failure.get()));
        }
    }

    // ------------------------------------------------------------------ ending

    private JobOutcome report(JobOutcome outcome) {
        switch (outcome.status()) {
            case SUCCESS -> trace.line("\u001b[32;1mJob succeeded\u001b[0;m");
            case CANCELED -> trace.line("\u001b[31;1mERROR: Job failed: canceled\u001b[0;m");
            case FAILED -> trace.line("\u001b[31;1mERROR: Job failed: " + outcome.message() + "\u001b[0;m");
        }
        return outcome;
    }

    private JobOutcome failed(JobOutcome.FailureKind kind, Integer exitCode, String message) {
        return report(JobOutcome.failed(kind, exitCode, message));
    }

    private JobOutcome canceled() {
        return report(JobOutcome.canceled("the job was canceled"));
    }

    private String jobStatus(JobOutcome outcome) {
        if (timedOut) {
            return "timedout";
        }
        return switch (outcome.status()) {
            case SUCCESS -> "success";
            case CANCELED -> "canceled";
            case FAILED -> "failed";
        };
    }

    private Duration remaining() {
        Duration left = Duration.between(settings.clock().instant(), deadline);
        return left.isNegative() ? Duration.ofMillis(1) : left;
    }

    /** Removes everything this job created, found by its labels, even after an interruption. */
    private void cleanup() {
        boolean interrupted = Thread.interrupted();
        try {
            LabeledResources.remove(docker, names.jobFilter());
        } catch (RuntimeException e) {
            LOG.warn("clean-up of job {} on {} failed: {}", plan.jobId(), host.id(), e.toString());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void removeQuietly(String id) {
        try {
            docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // already gone
        } catch (RuntimeException e) {
            LOG.warn("cannot remove container {}: {}", id, e.toString());
        }
    }

    private String describeHost() {
        String endpoint = host.dockerEndpoint().toString();
        return host.id() + " (" + endpoint.replaceFirst("//[^/@]*@", "//") + ")";
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // nothing more to do
            }
        }
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // a temp file; the OS cleans up
            }
        }
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        message = message.replaceAll("\\s+", " ").strip();
        return message.length() > 400 ? message.substring(0, 400) + "…" : message;
    }

    static String humanDuration(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds >= 60 && seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
    }

    /** Control characters and overlong values are not echoed back into the log as they are. */
    static String printable(String text) {
        String cleaned = text.replaceAll("[\\p{Cntrl}]", "?");
        return cleaned.length() > 80 ? cleaned.substring(0, 80) + "…" : cleaned;
    }

    /** Lets each gzip member finish without closing the file under it. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            out.write(bytes, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
