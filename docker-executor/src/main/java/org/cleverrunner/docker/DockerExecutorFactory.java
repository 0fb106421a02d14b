package org.cleverrunner.docker;

import java.nio.file.Path;
import java.util.Optional;
import org.cleverrunner.spi.Executor;
import org.cleverrunner.spi.ExecutorFactory;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.RunnerSpiException;

/**
 * The {@code docker} executor, found by ServiceLoader. Settings: {@code service-wait-timeout} (default 30s),
 * {@code stop-timeout} (2s), {@code sources-dir} (where working copies are kept on the runner host),
 * {@code pull-timeout} (30m, within the job's time left),
 * {@code dependency-proxy} ({@code off}, {@code group} or {@code direct-group}: Docker Hub images through the job
 * group's Dependency Proxy), and GitLab Runner's {@code pull-policy}, {@code allowed-pull-policies},
 * {@code allowed-images} and {@code allowed-services} (one item per line), and the job containers' limits
 * ({@link ContainerLimits#from}).
 */
public final class DockerExecutorFactory implements ExecutorFactory {

    @Override
    public String id() {
        return "docker";
    }

    @Override
    public String description() {
        return "runs jobs on a Docker Engine like GitLab's docker executor (local socket, tcp+TLS or an HTTPS gateway)";
    }

    @Override
    public Executor create(ProviderSettings settings) {
        DockerExecutor.Builder builder = DockerExecutor.builder();
        settings.getDuration("service-wait-timeout").ifPresent(builder::serviceWaitTimeout);
        settings.getDuration("stop-timeout").ifPresent(builder::stopTimeout);
        settings.getDuration("pull-timeout").ifPresent(builder::pullTimeout);
        settings.get("sources-dir").map(Path::of).ifPresent(builder::sourcesWorkRoot);
        // lists as config.toml's arrays, one item per line
        settings.get("pull-policy").map(DockerExecutorFactory::lines).ifPresent(builder::pullPolicy);
        settings.get("allowed-pull-policies").map(DockerExecutorFactory::lines).ifPresent(builder::allowedPullPolicies);
        settings.get("allowed-images").map(DockerExecutorFactory::lines).ifPresent(builder::allowedImages);
        settings.get("allowed-services").map(DockerExecutorFactory::lines).ifPresent(builder::allowedServices);
        Optional<String> proxy = settings.get("dependency-proxy");
        if (proxy.isPresent()) {
            try {
                builder.dependencyProxy(DockerExecutor.DependencyProxyMode.parse(proxy.get()));
            } catch (IllegalArgumentException e) {
                throw new RunnerSpiException("setting " + settings.prefix() + ".dependency-proxy " + e.getMessage());
            }
        }
        try {
            builder.limits(ContainerLimits.from(settings));
        } catch (IllegalArgumentException e) {
            throw new RunnerSpiException("setting " + settings.prefix() + "." + e.getMessage());
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new RunnerSpiException("setting " + settings.prefix() + ": " + e.getMessage());
        }
    }

    private static java.util.List<String> lines(String value) {
        return value.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }
}
