package org.cleverrunner.spi;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * A Docker host lent to one job: the Engine endpoint the executor talks to ({@code unix:///var/run/docker.sock},
 * {@code tcp://…}, or {@code https://…} through a gateway) and the bearer token that endpoint wants, if any.
 *
 * @param id the provisioner's id for the host (an application id, a container host name…)
 * @param dockerEndpoint where the Docker Engine API is reached
 * @param accessToken the bearer token for a gateway, or null
 * @param flavor the size actually provisioned, or null when not applicable
 * @param attributes provisioner-specific facts (zone, price…) for logs and billing
 */
public record Host(String id, URI dockerEndpoint, Secret accessToken, String flavor, Map<String, String> attributes) {

    public Host {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(dockerEndpoint, "dockerEndpoint");
        attributes = Map.copyOf(attributes == null ? Map.of() : attributes);
    }
}
