package org.cleverrunner.docker.internal;

import static org.cleverrunner.docker.internal.Messages.error;
import static org.cleverrunner.docker.internal.Messages.oneLine;
import static org.cleverrunner.docker.internal.Messages.warning;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DockerClientImpl;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
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
 * network and volume the job created, whatever happened. Each stage's work is in a collaborator of its own (images,
 * services, the build volume, the stage containers and their log, caches, artifacts); this class only orders them
 * and decides the outcome. Only request/response and streamed-response Engine calls are used (no attach, no exec),
 * so the same run works through an HTTPS gateway.
 */
public final class JobRun {

    private static final Logger LOG = LoggerFactory.getLogger(JobRun.class);

    /** Settings of the executor that apply to every job. */
    /**
     * {@code dockerConfig}: the runner host's Docker config, whose credentials pulls may use (null: none);
     * {@code credentialHelperPath}: where its credential helpers ({@code docker-credential-*}) are found.
     */
    public record Settings(Duration serviceWaitTimeout, Duration stopTimeout, SourceProvider sources, Clock clock,
            String runnerVersion, java.nio.file.Path dockerConfig, List<java.nio.file.Path> credentialHelperPath,
            org.cleverrunner.docker.DockerExecutor.DependencyProxyMode dependencyProxy, ImageRules imageRules,
            Duration pullTimeout, org.cleverrunner.docker.ContainerLimits limits) {
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
    private final ImagePuller images;
    private final JobEnvironment environment;
    private final BuildVolume volume;
    private final StageContainers stages;
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
        this.images = new ImagePuller(docker, () -> RegistryCredentials.of(plan, settings.dockerConfig(),
                new CredentialHelpers(settings.credentialHelperPath(), RegistryCredentials.HELPER_TIMEOUT)),
                DependencyProxy.of(settings.dependencyProxy(), plan), settings.imageRules(), this::pullTimeout, trace);
        this.environment = new JobEnvironment(plan, paths, settings.runnerVersion());
        this.volume = new BuildVolume(docker, names, paths);
        JobPlan.ImageSpec image = plan.image();
        // the stage containers run the image under the name it was pulled as (the Dependency Proxy's)
        this.stages = new StageContainers(docker, new JobPlan.ImageSpec(images.local(image.name()),
                image.entrypoint(), image.pullPolicy(), image.user(), image.platform()), names, paths, trace,
                control, settings.stopTimeout(), settings.limits());
    }

    /** Runs every stage, then always cleans up. */
    public JobOutcome execute() throws InterruptedException {
        try {
            return stages();
        } catch (RuntimeException | IOException e) {
            // docker-java wraps transport failures (a VM gone, a connection refused) in bare RuntimeExceptions
            String message = "the Docker host failed: " + oneLine(e.getCause() != null && e.getMessage() != null
                    && e.getMessage().startsWith(e.getCause().getClass().getName()) ? e.getCause() : e);
            trace.line(error("Job failed (system failure): " + message));
            return JobOutcome.failed(JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE, null, message);
        } finally {
            cleanup();
        }
    }

    private JobOutcome stages() throws InterruptedException, IOException {
        JobOutcome prepared = prepare();
        if (prepared != null) {
            return prepared;
        }
        // the step_script container is created now, not started: every upload goes through it
        String stepContainer = stages.create("step-script", Scripts.launcher(paths.tmpDir() + "/step_script"),
                environment.variables(null));
        String user = plan.image().user() != null && !plan.image().user().isBlank() ? plan.image().user()
                : images.defaultUser(plan.image().name());
        volume.attach(stepContainer, JobUser.resolve(docker, stepContainer, user));
        volume.upload(BuildPaths.BUILDS_DIR, out -> Archives.writeFiles(out, List.of(paths.projectEntry()),
                environment.files(trace), 0700));

        JobOutcome sources = getSources();
        if (sources != null) {
            return sources;
        }
        if (!plan.caches().isEmpty()) {
            trace.sectionStart("restore_cache", "Restoring cache");
            cacheStep().restore();
            trace.sectionEnd("restore_cache");
        }
        List<JobPlan.DependencySpec> withArtifacts = plan.dependencies().stream()
                .filter(dependency -> dependency.filename() != null).toList();
        if (!withArtifacts.isEmpty()) {
            trace.sectionStart("download_artifacts", "Downloading artifacts");
            String problem = artifactsStep().download(withArtifacts);
            trace.sectionEnd("download_artifacts");
            if (problem != null) {
                return failed(JobOutcome.FailureKind.SCRIPT_FAILURE, null, problem);
            }
        }
        if (control.stopRequested()) {
            return canceled();
        }

        JobOutcome outcome = stepScript(stepContainer);
        afterScript(outcome);
        if (control.state() == JobControl.State.ABORTED) {
            return outcome.status() == JobOutcome.Status.CANCELED ? outcome : JobOutcome.canceled("the job was aborted");
        }

        boolean succeeded = outcome.status() == JobOutcome.Status.SUCCESS;
        if (!plan.caches().isEmpty()) {
            trace.sectionStart("archive_cache", "Saving cache for " + (succeeded ? "successful" : "failed") + " job");
            cacheStep().archive(succeeded, trackedFiles);
            trace.sectionEnd("archive_cache");
        }
        if (!plan.artifacts().isEmpty()) {
            String section = succeeded ? "upload_artifacts_on_success" : "upload_artifacts_on_failure";
            trace.sectionStart(section, "Uploading artifacts for " + (succeeded ? "successful" : "failed") + " job");
            String problem = artifactsStep().upload(plan.artifacts(), succeeded, trackedFiles);
            trace.sectionEnd(section);
            if (problem != null && succeeded) {
                outcome = JobOutcome.failed(JobOutcome.FailureKind.SCRIPT_FAILURE, null, problem);
            }
        }
        return report(outcome);
    }

    /** The image, the network and volume, the services; returns the outcome when the job cannot go on. */
    private JobOutcome prepare() throws InterruptedException {
        trace.sectionStart("prepare_executor", "Preparing the \"docker\" executor");
        trace.line("Using Docker executor with image " + plan.image().name() + " on " + describeHost());
        String platform = plan.image().platform() == null || plan.image().platform().isBlank() ? null
                : plan.image().platform();
        int servicesLimit = settings.limits().servicesLimit();
        if (servicesLimit >= 0 && plan.services().size() > servicesLimit) {
            trace.sectionEnd("prepare_executor");
            return failed(JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE, null, "the job has "
                    + plan.services().size() + " services; this runner allows " + servicesLimit + " (services_limit)");
        }
        String imageProblem = images.ensure(plan.image().name(), plan.image().pullPolicy(), false, platform);
        if (imageProblem != null) {
            trace.sectionEnd("prepare_executor");
            return failed(JobOutcome.FailureKind.IMAGE_PULL_FAILURE, null, imageProblem);
        }
        // a network of the job's own only when services need one, as GitLab's default; else the engine's default
        if (!plan.services().isEmpty()) {
            docker.createNetworkCmd().withName(names.network()).withDriver("bridge").withCheckDuplicate(true)
                    .withLabels(names.labels("network")).exec();
            stages.network(names.network());
        }
        volume.create();
        String servicesProblem = new JobServices(docker, plan, names, images, trace, settings.serviceWaitTimeout(),
                settings.limits().services())
                .start();
        trace.sectionEnd("prepare_executor");
        if (servicesProblem != null) {
            return failed(JobOutcome.FailureKind.IMAGE_PULL_FAILURE, null, servicesProblem);
        }
        return control.stopRequested() ? canceled() : null;
    }

    /** Fetches the job's own checkout and puts it in the volume; returns the outcome when the job cannot go on. */
    private JobOutcome getSources() throws InterruptedException {
        trace.sectionStart("get_sources", "Getting source from Git repository");
        try (SourceProvider.Fetched fetched = settings.sources().fetch(plan, trace, control)) {
            trackedFiles = fetched.trackedFiles();
            if (fetched.snapshotTar() != null) {
                // the job's own snapshot of its checkout, .git or .hg included (jobs may run VCS commands);
                // closing deletes it, whatever happens
                volume.upload(paths.parentDir(), out -> Files.copy(fetched.snapshotTar(), out));
            }
        } catch (SourceFetchException e) {
            trace.sectionEnd("get_sources");
            if (control.stopRequested()) {
                return canceled();
            }
            return failed(JobOutcome.FailureKind.SCRIPT_FAILURE, null, oneLine(e));
        }
        trace.sectionEnd("get_sources");
        return control.stopRequested() ? canceled() : null;
    }

    private JobOutcome stepScript(String stepContainer) throws InterruptedException {
        trace.sectionStart("step_script", "Executing \"step_script\" stage of the job script");
        JobOutcome outcome;
        try {
            int exitCode = stages.run(stepContainer, "step-script", remaining(), plan.timeout());
            if (control.state() != JobControl.State.RUNNING) {
                outcome = JobOutcome.canceled("the job was canceled");
            } else if (exitCode == 0) {
                outcome = JobOutcome.success();
            } else {
                outcome = JobOutcome.failed(JobOutcome.FailureKind.SCRIPT_FAILURE, exitCode, "exit code " + exitCode);
            }
        } catch (StageTimeoutException e) {
            timedOut = true;
            outcome = JobOutcome.failed(JobOutcome.FailureKind.JOB_EXECUTION_TIMEOUT, null, e.getMessage());
        }
        trace.sectionEnd("step_script");
        return outcome;
    }

    /** after_script: always, unless the job was aborted; its failure is only a warning. */
    private void afterScript(JobOutcome outcome) throws InterruptedException {
        if (plan.afterScript().isEmpty() || control.state() == JobControl.State.ABORTED) {
            return;
        }
        trace.sectionStart("after_script", "Running after_script");
        trace.line("Running after script...");
        try {
            String container = stages.create("after-script", Scripts.launcher(paths.tmpDir() + "/after_script"),
                    environment.variables(jobStatus(outcome)));
            int exit = stages.run(container, "after-script", plan.afterScriptTimeout());
            if (exit != 0) {
                trace.line(warning("after_script failed with exit code " + exit + ", ignored"));
            }
        } catch (StageTimeoutException e) {
            trace.line(warning("after_script timed out after " + Messages.humanDuration(plan.afterScriptTimeout())
                    + ", ignored"));
        }
        trace.sectionEnd("after_script");
    }

    private CacheStep cacheStep() {
        return new CacheStep(plan.caches(), cacheTransfer(), trace,
                plan.variable("CACHE_COMPRESSION_FORMAT").orElse(null),
                plan.variable("CACHE_COMPRESSION_LEVEL").orElse(null));
    }

    /**
     * Through a gateway (a VM of its own), the archive moves on the host, between the volume and the store's URLs,
     * signed for as long as the job may run; on a local or tcp engine, through the runner.
     */
    private CacheTransfer cacheTransfer() {
        CacheTransfer inProcess = new InProcessCacheTransfer(context.cache(), volume, paths);
        String scheme = String.valueOf(host.dockerEndpoint().getScheme()).toLowerCase(java.util.Locale.ROOT);
        if ((scheme.equals("https") || scheme.equals("http")) && docker instanceof DockerClientImpl impl
                && impl.getHttpClient() != null) {
            return new GatewayCacheTransfer(context.cache(), impl.getHttpClient(), volume, paths, plan.timeout(),
                    inProcess);
        }
        return inProcess;
    }

    private ArtifactsStep artifactsStep() {
        return new ArtifactsStep(context.artifacts(), volume, paths, trace);
    }

    // ------------------------------------------------------------------ ending

    private JobOutcome report(JobOutcome outcome) {
        switch (outcome.status()) {
            case SUCCESS -> trace.line("\u001b[32;1mJob succeeded\u001b[0;m");
            case CANCELED -> trace.line(error("Job failed: canceled"));
            case FAILED -> trace.line(error("Job failed: " + outcome.message()));
        }
        return outcome;
    }

    /** One pull's limit: the executor's pull timeout, within the job's time left. */
    private Duration pullTimeout() {
        Duration left = Duration.between(settings.clock().instant(), deadline);
        Duration limit = settings.pullTimeout();
        return left.compareTo(limit) < 0 ? (left.isNegative() ? Duration.ZERO : left) : limit;
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

    private String describeHost() {
        String endpoint = host.dockerEndpoint().toString();
        return host.id() + " (" + endpoint.replaceFirst("//[^/@]*@", "//") + ")";
    }
}
