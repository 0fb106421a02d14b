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
 * {@code dependency-proxy} ({@code off}, {@code group} or {@code direct-group}: Docker Hub images through the job
 * group's Dependency Proxy).
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
        settings.get("sources-dir").map(Path::of).ifPresent(builder::sourcesWorkRoot);
        Optional<String> proxy = settings.get("dependency-proxy");
        if (proxy.isPresent()) {
            try {
                builder.dependencyProxy(DockerExecutor.DependencyProxyMode.parse(proxy.get()));
            } catch (IllegalArgumentException e) {
                throw new RunnerSpiException("setting " + settings.prefix() + ".dependency-proxy " + e.getMessage());
            }
        }
        return builder.build();
    }
}
