package org.cleverrunner.docker.internal;

import static org.cleverrunner.docker.internal.Messages.humanDuration;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Trace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job image's containers that run the scripts (step_script, after_script): created with the build volume and the
 * job's environment, started, their output followed into the trace, waited for (a wait cut by a proxy is re-issued),
 * stopped on a cancel or a timeout.
 */
final class StageContainers {

    private static final Logger LOG = LoggerFactory.getLogger(StageContainers.class);

    private final DockerClient docker;
    private final JobPlan.ImageSpec image;
    private final Names names;
    private final BuildPaths paths;
    private final Trace trace;
    private final JobControl control;
    private final Duration stopTimeout;
    private final org.cleverrunner.docker.ContainerLimits limits;
    private final AtomicReference<String> running = new AtomicReference<>();
    private String network;

    StageContainers(DockerClient docker, JobPlan.ImageSpec image, Names names, BuildPaths paths, Trace trace,
            JobControl control, Duration stopTimeout, org.cleverrunner.docker.ContainerLimits limits) {
        this.docker = docker;
        this.image = image;
        this.names = names;
        this.paths = paths;
        this.trace = trace;
        this.control = control;
        this.stopTimeout = stopTimeout;
        this.limits = limits;
        control.onStop(this::stopRunning);
    }

    /** The job's network, when it has services. */
    void network(String network) {
        this.network = network;
    }

    /** A stage container, created with the build volume and the job's environment, not started. */
    String create(String role, List<String> command, List<String> environment) {
        HostConfig host = limited(HostConfig.newHostConfig()
                .withBinds(new Bind(names.buildVolume(), new Volume(BuildPaths.BUILDS_DIR))), limits);
        if (network != null) {
            host = host.withNetworkMode(network);
        }
        CreateContainerCmd create = docker.createContainerCmd(image.name()).withName(names.container(role))
                .withLabels(names.labels(role)).withEnv(environment).withWorkingDir(paths.projectDir())
                .withHostConfig(host).withCmd(command)
                // run our launcher, not the image's entrypoint, unless the job names one
                .withEntrypoint(image.entrypoint().isEmpty() ? List.of() : image.entrypoint());
        if (image.user() != null && !image.user().isBlank()) {
            create = create.withUser(image.user());
        }
        if (image.platform() != null && !image.platform().isBlank()) {
            // executor_opts.docker.platform: the Engine refuses an image of another platform by name
            create = create.withPlatform(image.platform());
        }
        return create.exec().getId();
    }

    /**
     * Starts a created stage container and runs it to its end, its output streamed into the trace; returns its exit
     * code.
     *
     * @throws StageTimeoutException when it outlives {@code timeout} (it is stopped first)
     */
    int run(String id, String role, Duration timeout) throws InterruptedException, StageTimeoutException {
        return run(id, role, timeout, timeout);
    }

    /** As {@link #run(String, String, Duration)}; {@code shown} is the timeout the message names (the job's own). */
    int run(String id, String role, Duration timeout, Duration shown) throws InterruptedException, StageTimeoutException {
        running.set(id);
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
                stop(id);
                LogFollower.awaitDrained(follower, id);
                throw new StageTimeoutException(role.replace('-', '_') + " exceeded its timeout of "
                        + humanDuration(shown));
            }
            LogFollower.awaitDrained(follower, id); // until its output is drained, not a fixed time
            return exitCode;
        } finally {
            running.compareAndSet(id, null);
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
                Closing.quietly(wait);
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

    private void stopRunning() {
        String id = running.get();
        if (id != null) {
            trace.line(Messages.notice("Stopping the job's container on request"));
            stop(id);
        }
    }

    private void stop(String id) {
        try {
            docker.stopContainerCmd(id).withTimeout((int) Math.max(1, stopTimeout.toSeconds())).exec();
        } catch (RuntimeException e) {
            LOG.debug("stopping {} failed: {}", id, e.toString());
        }
    }

    /** GitLab Runner's [runners.docker] resource keys on a stage container. */
    private static HostConfig limited(HostConfig host, org.cleverrunner.docker.ContainerLimits limits) {
        HostConfig limited = HostLimits.apply(host, limits.resources());
        if (!limits.cpusetMems().isEmpty()) {
            limited = limited.withCpusetMems(limits.cpusetMems());
        }
        if (limits.shmSize() > 0) {
            limited = limited.withShmSize(limits.shmSize());
        }
        if (!limits.dns().isEmpty()) {
            limited = limited.withDns(limits.dns());
        }
        if (!limits.dnsSearch().isEmpty()) {
            limited = limited.withDnsSearch(limits.dnsSearch());
        }
        if (!limits.extraHosts().isEmpty()) {
            limited = limited.withExtraHosts(limits.extraHosts().toArray(String[]::new));
        }
        return limited;
    }

}
