package org.cleverrunner.core;

import java.net.URI;
import java.util.Map;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.spi.Provisioner;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.ProvisionerFactory;
import org.cleverrunner.spi.RunnerSpiException;

/**
 * {@code local-docker}, the embedded default: every job runs on the Docker Engine of the machine the runner runs
 * on, reached at the setting {@code host}, else {@code DOCKER_HOST}, else {@code unix:///var/run/docker.sock}.
 * Nothing is created or deleted for a host: releasing is a no-op, the executor's clean-up does the rest.
 */
public final class LocalDockerProvisionerFactory implements ProvisionerFactory {

    public static final String ID = "local-docker";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "the local Docker Engine (DOCKER_HOST or /var/run/docker.sock) for every job";
    }

    @Override
    public Provisioner create(ProviderSettings settings) {
        return create(settings, System.getenv());
    }

    @Override
    public java.util.List<String> validate(ProviderSettings settings) {
        java.util.List<String> problems = new java.util.ArrayList<>(settings.unknownKeys(java.util.Set.of("host"),
                java.util.Set.of()));
        try {
            create(settings, Map.of());
        } catch (RunnerSpiException e) {
            problems.add(settings.prefix() + ".host: " + e.getMessage());
        }
        return problems;
    }

    Provisioner create(ProviderSettings settings, Map<String, String> environment) {
        String configured = settings.get("host").orElse(environment.get("DOCKER_HOST"));
        String endpoint = configured == null || configured.isBlank() ? "unix:///var/run/docker.sock" : configured;
        URI uri;
        try {
            uri = URI.create(endpoint.strip());
        } catch (IllegalArgumentException e) {
            throw new RunnerSpiException("setting 'host' of local-docker is not a URI: " + e.getMessage());
        }
        if (uri.getScheme() == null || !java.util.Set.of("unix", "tcp", "http", "https").contains(uri.getScheme())) {
            throw new RunnerSpiException("setting 'host' of local-docker must be a unix://, tcp:// or https:// URI,"
                    + " got '" + endpoint + "'");
        }
        Host host = new Host("local", uri, null, null, Map.of("provisioner", ID));
        return new Provisioner() {
            @Override
            public Host acquire(HostRequest request) {
                return host;
            }

            @Override
            public void release(Host released) {
                // the host is the runner's own machine: nothing to give back
            }
        };
    }
}
