package org.cleverrunner.testkit.clevercloud;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of a simulated application.
 *
 * @param creationBody the JSON body received by {@code POST …/applications} (a copy)
 * @param flavor       the {@code maxFlavor} name, as the catalog spells it
 * @param state        {@code SHOULD_BE_DOWN} until deployed, {@code WANTS_TO_BE_UP} while deploying,
 *                     {@code SHOULD_BE_UP} once up
 * @param gitUrl       the {@code file://} URL of the bare repository (JSON {@code deployment.url} and
 *                     {@code deployment.httpUrl})
 * @param endpoint     the running VM's endpoint, if any
 * @param deletedAt    when it was deleted or vanished; null while it exists
 */
public record SimulatedApplication(String id, String ownerId, String name, JsonNode creationBody,
                                   Map<String, String> env, String flavor, String zone, String lifetime, String state,
                                   List<SimulatedInstance> instances, List<SimulatedDeployment> deployments,
                                   URI gitUrl, Path repository, Optional<URI> endpoint, Instant createdAt,
                                   Instant deletedAt, long billedSeconds) {

    public boolean deleted() {
        return deletedAt != null;
    }

    /** The instances not yet stopped. */
    public List<SimulatedInstance> liveInstances() {
        return instances.stream().filter(i -> i.stoppedAt() == null).toList();
    }
}
