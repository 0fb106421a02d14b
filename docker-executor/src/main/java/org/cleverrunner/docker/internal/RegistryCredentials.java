package org.cleverrunner.docker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.cleverrunner.spi.ImageReference;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Secret;

/**
 * The registry credentials of a job in GitLab Runner's precedence: the job's {@code DOCKER_AUTH_CONFIG} variable,
 * then the runner host's Docker config ({@code ~/.docker/config.json}), then the credentials of the job payload
 * (the GitLab registry, the Dependency Proxy). The first source that names a registry wins it; an image takes the
 * credentials of the longest registry name it starts with. Registry names are compared as GitLab Runner compares
 * them: without scheme or path, {@code index.docker.io} as {@code docker.io}, hosts in lowercase.
 *
 * <p>Only {@code auths} entries are read ({@code auth} as base64 {@code user:password}, or {@code username} and
 * {@code password}); {@code credsStore} and {@code credHelpers} need the helper programs of a workstation and are
 * passed over with a warning. A config that cannot be read is a warning too, never a failure: the pull then goes
 * without those credentials and the registry's answer says the rest.
 */
final class RegistryCredentials {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String VARIABLE = "DOCKER_AUTH_CONFIG";
    static final String PAYLOAD = "job payload (GitLab Registry)";

    /** Credentials for one registry, and the source they come from (for the job's log, never the secret). */
    record Found(String registry, String username, Secret password, String source) {
        @Override
        public String toString() {
            return "Found[" + registry + ", " + username + ", " + Secret.MASK + ", " + source + "]";
        }
    }

    private final Map<String, Found> byRegistry;
    private final List<String> warnings;

    private RegistryCredentials(Map<String, Found> byRegistry, List<String> warnings) {
        this.byRegistry = byRegistry;
        this.warnings = List.copyOf(warnings);
    }

    /**
     * @param plan the job: its {@code DOCKER_AUTH_CONFIG} variable and its payload's credentials
     * @param hostConfig the runner host's Docker config file, or null; a missing file is no warning
     */
    static RegistryCredentials of(JobPlan plan, Path hostConfig) {
        Map<String, Found> found = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        Optional<String> variable = plan.variable(VARIABLE);
        if (variable.isPresent() && !variable.get().isBlank()) {
            read(variable.get(), "$" + VARIABLE, found, warnings);
        }
        if (hostConfig != null && Files.isRegularFile(hostConfig)) {
            try {
                read(Files.readString(hostConfig, StandardCharsets.UTF_8), hostConfig.toString(), found, warnings);
            } catch (IOException e) {
                warnings.add("cannot read " + hostConfig + ": " + e.getClass().getSimpleName());
            }
        }
        for (JobPlan.RegistryAuth auth : plan.registryAuths() == null ? List.<JobPlan.RegistryAuth>of()
                : plan.registryAuths()) {
            found.putIfAbsent(normalised(auth.registry()), new Found(normalised(auth.registry()), auth.username(),
                    auth.password(), PAYLOAD));
        }
        return new RegistryCredentials(found, warnings);
    }

    /** What the job's log should say about the sources (never a secret, never the config's text). */
    List<String> warnings() {
        return warnings;
    }

    /** The credentials for an image: those of the longest registry name its name starts with. */
    Optional<Found> forImage(ImageReference image) {
        String name = normalised(image.domain()) + "/" + image.path();
        if (image.isDockerHub() && image.path().startsWith("library/")) {
            // GitLab Runner matches Docker Hub's short names without library/
            name = ImageReference.DOCKER_HUB + "/" + image.path().substring("library/".length());
        }
        Found best = null;
        for (Found candidate : byRegistry.values()) {
            String key = candidate.registry();
            if ((name.equals(key) || name.startsWith(key + "/"))
                    && (best == null || key.length() > best.registry().length())) {
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    private static void read(String text, String source, Map<String, Found> found, List<String> warnings) {
        JsonNode config;
        try {
            config = JSON.readTree(text);
        } catch (IOException e) {
            // Jackson's message may quote the text, which holds secrets: say where, not what
            warnings.add(source + " is not valid JSON: its credentials are not used");
            return;
        }
        if (config == null || !config.isObject()) {
            warnings.add(source + " is not a JSON object: its credentials are not used");
            return;
        }
        if (config.hasNonNull("credsStore") || config.hasNonNull("credHelpers")) {
            warnings.add(source + ": credsStore and credHelpers are not supported, only auths");
        }
        JsonNode auths = config.path("auths");
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String registry = normalised(entry.getKey());
            Optional<String[]> credentials = credentials(entry.getValue());
            if (credentials.isEmpty()) {
                warnings.add(source + ": the entry for " + registry + " has no usable auth, username or password");
                continue;
            }
            found.putIfAbsent(registry, new Found(registry, credentials.get()[0], Secret.of(credentials.get()[1]),
                    source));
        }
    }

    /** {@code auth} (base64 of {@code user:password}) or {@code username} and {@code password}. */
    private static Optional<String[]> credentials(JsonNode entry) {
        String auth = entry.path("auth").asText("");
        if (!auth.isEmpty()) {
            try {
                String decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    return Optional.of(new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)});
                }
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            return Optional.empty();
        }
        String username = entry.path("username").asText("");
        String password = entry.path("password").asText("");
        return username.isEmpty() || password.isEmpty() ? Optional.empty()
                : Optional.of(new String[] {username, password});
    }

    /** A registry as GitLab Runner compares them: no scheme, no trailing path, index.docker.io as docker.io. */
    static String normalised(String registry) {
        String name = registry.strip();
        int scheme = name.indexOf("://");
        if (scheme >= 0) {
            name = name.substring(scheme + 3);
            // a URL's path (https://index.docker.io/v1/) is no part of the registry
            int slash = name.indexOf('/');
            if (slash >= 0) {
                name = name.substring(0, slash);
            }
        }
        while (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        int slash = name.indexOf('/');
        String host = (slash < 0 ? name : name.substring(0, slash)).toLowerCase(Locale.ROOT);
        if (host.equals("index.docker.io") || host.equals("registry-1.docker.io")) {
            host = ImageReference.DOCKER_HUB;
        }
        return slash < 0 ? host : host + name.substring(slash);
    }
}
