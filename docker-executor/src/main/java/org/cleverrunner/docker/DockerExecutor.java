package org.cleverrunner.docker;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.cleverrunner.docker.internal.CredentialHelpers;
import org.cleverrunner.docker.internal.ImageRules;
import org.cleverrunner.docker.internal.JobRun;
import org.cleverrunner.docker.internal.LabeledResources;
import org.cleverrunner.docker.internal.Names;
import org.cleverrunner.docker.internal.SourceProvider;
import org.cleverrunner.docker.internal.sources.SourceFetcher;
import org.cleverrunner.spi.Executor;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs GitLab jobs on a Docker Engine the way GitLab's docker executor does: the job's image, its services on a
 * network of the job's own, a build volume shared by the stage containers, sources, caches and artifacts moved
 * through the Engine's archive API. Thread-safe; one executor runs many jobs at once, each with its own client.
 */
public final class DockerExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(DockerExecutor.class);

    private final Function<Host, DockerClient> connector;
    private final JobRun.Settings settings;

    private DockerExecutor(Builder builder) {
        this.connector = builder.connector;
        this.settings = new JobRun.Settings(builder.serviceWaitTimeout, builder.stopTimeout,
                SourceProvider.onHost(builder.sourcesWorkRoot, builder.maxWorkingCopies),
                builder.clock, builder.runnerVersion, builder.dockerConfig, builder.credentialHelperPath,
                builder.dependencyProxy,
                new ImageRules(builder.pullPolicy, builder.allowedPullPolicies, builder.allowedImages,
                        builder.allowedServices), builder.pullTimeout, builder.limits);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public JobOutcome run(JobPlan plan, Host host, JobContext context) throws InterruptedException {
        JobRun run;
        DockerClient docker = connector.apply(host);
        try {
            run = new JobRun(docker, plan, host, context, settings);
        } catch (IllegalArgumentException e) {
            // a plan this executor refuses (unsafe project path, bad runner id): the job fails, nothing is created
            closeQuietly(docker);
            context.trace().line("\u001b[31;1mERROR: Job failed (system failure): " + e.getMessage() + "\u001b[0;m");
            return JobOutcome.failed(JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE, null, e.getMessage());
        }
        try {
            return run.execute();
        } finally {
            closeQuietly(docker);
        }
    }

    /** Removes every container, network and volume of this runner on the host, whatever job created them. */
    @Override
    public int sweep(Host host, String runnerId) {
        DockerClient docker = connector.apply(host);
        try {
            int removed = LabeledResources.remove(docker, Map.of(Names.LABEL_RUNNER, runnerId,
                    Names.LABEL_MANAGED, "true"));
            if (removed > 0) {
                LOG.info("swept {} leftover(s) of runner {} on {}", removed, runnerId, host.id());
            }
            return removed;
        } finally {
            closeQuietly(docker);
        }
    }

    private static void closeQuietly(DockerClient docker) {
        try {
            docker.close();
        } catch (IOException ignored) {
            // the connection pool goes away with the client
        }
    }

    /**
     * Whether Docker Hub images go through the job group's Dependency Proxy: not at all, through
     * CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX, or through CI_DEPENDENCY_PROXY_DIRECT_GROUP_IMAGE_PREFIX when the job
     * has it (else the group prefix).
     */
    public enum DependencyProxyMode {
        OFF, GROUP, DIRECT_GROUP;

        /** {@code off}, {@code group} or {@code direct-group}. */
        public static DependencyProxyMode parse(String value) {
            return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "off", "false" -> OFF;
                case "group", "true" -> GROUP;
                case "direct-group" -> DIRECT_GROUP;
                default -> throw new IllegalArgumentException("must be off, group or direct-group, got '" + value
                        + "'");
            };
        }
    }

    /** {@code $HOME/.docker/config.json}, as GitLab Runner finds it ({@code user.home} when HOME is unset). */
    private static Path homeDockerConfig() {
        String home = System.getenv("HOME");
        return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home, ".docker",
                "config.json");
    }

    /** Settings of a {@link DockerExecutor}. */
    public static final class Builder {
        // Long responses (logs follow, wait) are re-issued when cut, so an hour per response is plenty.
        private Function<Host, DockerClient> connector = DockerConnector.builder()
                .responseTimeout(Duration.ofHours(1)).build()::connect;
        private Duration serviceWaitTimeout = Duration.ofSeconds(30);
        private ContainerLimits limits = ContainerLimits.NONE;
        private Duration stopTimeout = Duration.ofSeconds(2);
        private Path sourcesWorkRoot = Path.of(System.getProperty("java.io.tmpdir"), "clever-runner-sources");
        private int maxWorkingCopies = SourceFetcher.DEFAULT_MAX_WORKING_COPIES;
        private Clock clock = Clock.systemUTC();
        private String runnerVersion = "dev";
        private Path dockerConfig = homeDockerConfig();
        private List<Path> credentialHelperPath = CredentialHelpers.systemPath();

        private DependencyProxyMode dependencyProxy = DependencyProxyMode.OFF;
        private Duration pullTimeout = Duration.ofMinutes(30);
        private List<String> pullPolicy = List.of();

        /** How long one image pull may take (within the job's own time left): 30 minutes by default. */
        public Builder pullTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("pullTimeout must be positive");
            }
            this.pullTimeout = timeout;
            return this;
        }

        private List<String> allowedPullPolicies = List.of();
        private List<String> allowedImages = List.of();
        private List<String> allowedServices = List.of();

        /**
         * GitLab Runner's {@code [runners.docker] pull_policy}: what a job that names none gets, tried in order
         * (empty: if-not-present); each of always, if-not-present, never ({@link #build} refuses others).
         */
        public Builder pullPolicy(List<String> policies) {
            this.pullPolicy = List.copyOf(policies);
            return this;
        }

        /** The pull policies a job may ask for (empty: those of {@link #pullPolicy}, or any when that is empty). */
        public Builder allowedPullPolicies(List<String> policies) {
            this.allowedPullPolicies = List.copyOf(policies);
            return this;
        }

        /** Globs of the images jobs may run ({@code ruby:*}, {@code registry.example.com/**}); empty: any. */
        public Builder allowedImages(List<String> globs) {
            this.allowedImages = List.copyOf(globs);
            return this;
        }

        /** Globs of the images services may run; empty: any. */
        public Builder allowedServices(List<String> globs) {
            this.allowedServices = List.copyOf(globs);
            return this;
        }

        /** Whether Docker Hub images go through the job group's Dependency Proxy (off by default). */
        public Builder dependencyProxy(DependencyProxyMode mode) {
            this.dependencyProxy = Objects.requireNonNull(mode, "dependencyProxy");
            return this;
        }

        /**
         * The runner host's Docker config, whose {@code auths} come after the job's DOCKER_AUTH_CONFIG and before
         * the payload's credentials, as GitLab Runner reads {@code ~/.docker/config.json}; null for none.
         */
        public Builder dockerConfig(Path config) {
            this.dockerConfig = config;
            return this;
        }

        /**
         * Where the credential helpers that Docker configs name ({@code credsStore}, {@code credHelpers}) are
         * looked up as {@code docker-credential-<name>}: the directories of the runner's {@code PATH} by default.
         */
        public Builder credentialHelperPath(List<Path> directories) {
            this.credentialHelperPath = List.copyOf(directories);
            return this;
        }

        private Builder() {
        }

        /** How a host's Docker endpoint becomes a client; defaults to unix sockets, tcp(+TLS) and https gateways. */
        public Builder connector(Function<Host, DockerClient> connector) {
            this.connector = Objects.requireNonNull(connector, "connector");
            return this;
        }

        /** Memory, CPUs, /dev/shm, DNS and /etc/hosts of a job's own containers, and how many services it may have. */
        public Builder limits(ContainerLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** How long to wait for services' ports before warning (default 30 s; zero: no wait). */
        public Builder serviceWaitTimeout(Duration timeout) {
            this.serviceWaitTimeout = Objects.requireNonNull(timeout, "serviceWaitTimeout");
            return this;
        }

        /** The grace given to a container asked to stop before it is killed (default 2 s). */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = Objects.requireNonNull(timeout, "stopTimeout");
            return this;
        }

        /**
         * Where the runner host keeps the Git and Mercurial working copies (one per runner and project, reused by
         * GIT_STRATEGY=fetch) and, in {@code spool/}, each job's snapshot of its checkout until it is streamed into
         * the job's build volume. Default {@code $TMPDIR/clever-runner-sources}; one root may serve several
         * executors and processes.
         */
        public Builder sourcesWorkRoot(Path workRoot) {
            this.sourcesWorkRoot = Objects.requireNonNull(workRoot, "sourcesWorkRoot");
            return this;
        }

        /**
         * How many working copies the sources work root keeps at most (default 20); beyond it the least recently
         * used that no job holds are removed.
         */
        public Builder maxWorkingCopies(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxWorkingCopies must be at least 1, got " + max);
            }
            this.maxWorkingCopies = max;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Shown to jobs as CI_RUNNER_VERSION. */
        public Builder runnerVersion(String version) {
            this.runnerVersion = Objects.requireNonNull(version, "runnerVersion");
            return this;
        }

        public DockerExecutor build() {
            return new DockerExecutor(this);
        }
    }
}
