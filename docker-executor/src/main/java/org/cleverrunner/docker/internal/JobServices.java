package org.cleverrunner.docker.internal;

import static org.cleverrunner.docker.internal.Messages.humanDuration;
import static org.cleverrunner.docker.internal.Messages.printable;
import static org.cleverrunner.docker.internal.Messages.warning;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.docker.ContainerLimits;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Trace;

/**
 * The job's services on its network, with their aliases and the job's variables, then a bounded wait for their TCP
 * ports from a container of the job's image; a service that does not answer is a warning with its logs, as in GitLab.
 */
final class JobServices {

    /** A started service whose ports are awaited through its first alias. */
    private record Started(String containerId, String alias, List<ExposedPort> ports) {
    }

    private final DockerClient docker;
    private final JobPlan plan;
    private final Names names;
    private final ImagePuller images;
    private final Trace trace;
    private final Duration waitTimeout;
    private final ContainerLimits.ServiceLimits limits;

    JobServices(DockerClient docker, JobPlan plan, Names names, ImagePuller images, Trace trace,
            Duration waitTimeout, ContainerLimits.ServiceLimits limits) {
        this.limits = limits;
        this.docker = docker;
        this.plan = plan;
        this.names = names;
        this.images = images;
        this.trace = trace;
        this.waitTimeout = waitTimeout;
    }

    /** Starts every service and waits for them; returns an image problem for the job log, else null. */
    String start() throws InterruptedException {
        int index = 0;
        List<Started> started = new ArrayList<>();
        for (JobPlan.ServiceSpec service : plan.services()) {
            String role = "service-" + index++;
            String problem = images.ensure(service.image(), service.pullPolicy(), true, null);
            if (problem != null) {
                return problem;
            }
            List<String> rejected = new ArrayList<>();
            List<String> aliases = ServiceAliases.of(service.image(), service.aliases(), rejected);
            for (String alias : rejected) {
                trace.line(warning("ignoring invalid service alias '" + printable(alias) + "'"));
            }
            trace.line("Starting service " + service.image() + " as " + String.join(", ", aliases) + " ...");
            Map<String, String> env = new LinkedHashMap<>();
            for (JobPlan.Variable variable : plan.variables()) {
                env.put(variable.key(), variable.value());
            }
            for (JobPlan.Variable variable : service.variables()) {
                env.put(variable.key(), variable.value());
            }
            CreateContainerCmd create = docker.createContainerCmd(images.local(service.image()))
                    .withName(names.container(role))
                    .withLabels(names.labels(role)).withEnv(JobEnvironment.entries(env))
                    .withHostConfig(HostLimits.apply(HostConfig.newHostConfig().withNetworkMode(names.network()), limits))
                    .withAliases(aliases);
            if (!service.entrypoint().isEmpty()) {
                create = create.withEntrypoint(service.entrypoint());
            }
            if (!service.command().isEmpty()) {
                create = create.withCmd(service.command());
            }
            String id = create.exec().getId();
            docker.startContainerCmd(id).exec();
            List<ExposedPort> ports = images.exposedTcpPorts(service.image());
            if (!ports.isEmpty() && !aliases.isEmpty()) {
                started.add(new Started(id, aliases.get(0), ports));
            }
        }
        for (Started service : started) {
            await(service);
        }
        return null;
    }

    /** Waits (bounded) for a service's TCP ports from a container of the job's image; warns instead of failing. */
    private void await(Started service) throws InterruptedException {
        if (waitTimeout.isZero()) {
            return; // GitLab Runner's wait_for_services_timeout = -1: no wait
        }
        StringBuilder portList = new StringBuilder();
        for (ExposedPort port : service.ports()) {
            portList.append(portList.length() == 0 ? "" : " ").append(port.getPort());
        }
        String alias = service.alias();
        trace.line("Waiting for service " + alias + " on port(s) " + portList + " ...");
        String role = "wait-" + alias.replaceAll("[^a-zA-Z0-9_.-]", "_");
        String id = docker.createContainerCmd(images.local(plan.image().name())).withName(names.container(role))
                .withLabels(names.labels("wait")).withEntrypoint(List.of())
                .withEnv("CR_HOST=" + alias, "CR_PORTS=" + portList)
                .withCmd("sh", "-c", Scripts.waitForPorts())
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode(names.network())).exec().getId();
        WaitContainerResultCallback wait = null;
        try {
            docker.startContainerCmd(id).exec();
            wait = docker.waitContainerCmd(id).exec(new WaitContainerResultCallback());
            Integer code = wait.awaitStatusCode(waitTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (code != null && code == 0) {
                return;
            }
            warnDown(service.containerId(), alias, "its health check failed");
        } catch (DockerClientException e) {
            if (e.getCause() instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("interrupted while waiting for service " + alias);
            }
            warnDown(service.containerId(), alias, "no answer within " + humanDuration(waitTimeout));
        } finally {
            Closing.quietly(wait);
            Closing.removeContainer(docker, id);
        }
    }

    private void warnDown(String serviceId, String alias, String why) throws InterruptedException {
        trace.line(warning("Service " + alias + " probably didn't start properly: " + why));
        trace.line("Service container logs:");
        var callback = new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                byte[] payload = frame.getPayload();
                trace.write(payload, 0, payload.length);
            }
        };
        docker.logContainerCmd(serviceId).withStdOut(true).withStdErr(true).withTail(100).exec(callback);
        callback.awaitCompletion(10, TimeUnit.SECONDS);
    }
}
