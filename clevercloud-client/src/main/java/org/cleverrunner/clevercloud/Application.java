package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.cleverrunner.clevercloud.internal.Values;
import org.cleverrunner.spi.Secret;

/**
 * An application as the API shows it (the "ApplicationView" of create, get, list, update and the env calls).
 * {@link #webhookSecret()} is a {@link Secret} and environment values never print, so {@code toString()} is safe
 * to log.
 */
public record Application(
        String id,
        String name,
        String description,
        String zone,
        String zoneId,
        String ownerId,
        InstanceConfiguration instance,
        DeploymentConfiguration deployment,
        List<Vhost> vhosts,
        Long creationDate,
        @JsonProperty("last_deploy") Integer lastDeploy,
        Boolean archived,
        Boolean stickySessions,
        Boolean homogeneous,
        Boolean favourite,
        Boolean cancelOnPush,
        String webhookUrl,
        Secret webhookSecret,
        Boolean separateBuild,
        Flavor buildFlavor,
        ApplicationState state,
        String commitId,
        String appliance,
        String branch,
        ForceHttps forceHttps,
        List<EnvironmentVariable> env,
        String deployUrl) {

    public Application {
        vhosts = Values.list(vhosts);
        env = Values.list(env);
    }

    /** {@code instance}: the runtime and scaling of the application. */
    public record InstanceConfiguration(
            String type,
            String version,
            InstanceVariant variant,
            Integer minInstances,
            Integer maxInstances,
            Integer maxAllowedInstances,
            Flavor minFlavor,
            Flavor maxFlavor,
            List<Flavor> flavors,
            Map<String, String> defaultEnv,
            InstanceLifetime lifetime,
            String instanceAndVersion) {

        public InstanceConfiguration {
            flavors = Values.list(flavors);
            defaultEnv = Values.map(defaultEnv);
        }
    }

    /**
     * {@code deployment}: how code reaches the application. {@code url} is the git+ssh remote, {@code httpUrl} the
     * HTTPS one; push only once {@code repoState} is {@link RepoState#CREATED}.
     */
    public record DeploymentConfiguration(Boolean shutdownable, String type, RepoState repoState, String url,
            String httpUrl) {
    }

    /** One of {@code vhosts}: {@code {"fqdn":"app-….cleverapps.io/"}}. */
    public record Vhost(String fqdn) {
    }

    /** The git remote to push to: {@code deployment.httpUrl}, else {@code deployment.url} (as clever-tools does). */
    public Optional<String> gitDeploymentUrl() {
        if (deployment == null) {
            return Optional.empty();
        }
        if (deployment.httpUrl() != null && !deployment.httpUrl().isBlank()) {
            return Optional.of(deployment.httpUrl());
        }
        return Optional.ofNullable(deployment.url()).filter(url -> !url.isBlank());
    }

    /** Whether the git repository exists ({@code deployment.repoState == CREATED}), so a push can succeed. */
    public boolean isRepositoryReady() {
        return deployment != null && deployment.repoState() == RepoState.CREATED;
    }

    /** The vhosts' fully-qualified domain names, as the API gives them. */
    public List<String> fqdns() {
        return vhosts.stream().map(Vhost::fqdn).filter(f -> f != null && !f.isBlank()).toList();
    }

    /**
     * The default {@code cleverapps.io} host of an application id: {@code app_<uuid>} gives
     * {@code app-<uuid>.cleverapps.io}.
     */
    public static String cleverAppsHost(String applicationId) {
        return applicationId.replace('_', '-').toLowerCase(Locale.ROOT) + ".cleverapps.io";
    }

    /** The environment as a name-to-value map, in the API's order. */
    public Map<String, String> environment() {
        java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
        env.forEach(variable -> map.put(variable.name(), variable.value()));
        return java.util.Collections.unmodifiableMap(map);
    }
}
