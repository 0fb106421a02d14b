package org.cleverrunner.docker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
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
 * <p>A Docker config gives credentials by {@code auths} entries ({@code auth} as base64 {@code user:password},
 * {@code username} and {@code password}, or {@code identitytoken}), by its {@code credsStore} (the helper's
 * {@code list} says which registries it holds) and by {@code credHelpers} (one helper per registry); within one
 * config, a registry's helper comes before the store, and the store before its {@code auths} entry, as in Docker.
 * Helpers run only for the registries a job's images need, once each. A helper that fails or holds nothing leaves
 * the registry to the next source, with a warning for a failure; a config that cannot be read is a warning too,
 * never a failure: the pull then goes without those credentials and the registry's answer says the rest.
 */
final class RegistryCredentials {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String VARIABLE = "DOCKER_AUTH_CONFIG";
    static final String PAYLOAD = "job payload (GitLab Registry)";
    /** How long a credential helper may take to answer. */
    static final Duration HELPER_TIMEOUT = Duration.ofSeconds(30);

    /** Credentials for one registry, and the source they come from (for the job's log, never the secret). */
    record Found(String registry, String username, Secret password, String source, boolean identityToken) {
        Found(String registry, String username, Secret password, String source) {
            this(registry, username, password, source, false);
        }

        @Override
        public String toString() {
            return "Found[" + registry + ", " + username + ", " + Secret.MASK + ", " + source + "]";
        }
    }

    /** One source's way to credentials for one registry, resolved only when an image needs it. */
    private interface Resolver {
        Optional<Found> resolve(Consumer<String> warnings) throws InterruptedException;
    }

    private final Map<String, List<Resolver>> byRegistry;
    private final List<String> warnings;
    private final Map<Resolver, Optional<Found>> resolved = new HashMap<>();

    private RegistryCredentials(Map<String, List<Resolver>> byRegistry, List<String> warnings) {
        this.byRegistry = byRegistry;
        this.warnings = List.copyOf(warnings);
    }

    /**
     * @param plan the job: its {@code DOCKER_AUTH_CONFIG} variable and its payload's credentials
     * @param hostConfig the runner host's Docker config file, or null; a missing file is no warning
     * @param helpers how {@code credsStore} and {@code credHelpers} programs are found and run
     */
    static RegistryCredentials of(JobPlan plan, Path hostConfig, CredentialHelpers helpers)
            throws InterruptedException {
        Map<String, List<Resolver>> found = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        Optional<String> variable = plan.variable(VARIABLE);
        if (variable.isPresent() && !variable.get().isBlank()) {
            read(variable.get(), "$" + VARIABLE, helpers, found, warnings);
        }
        if (hostConfig != null && Files.isRegularFile(hostConfig)) {
            try {
                read(Files.readString(hostConfig, StandardCharsets.UTF_8), hostConfig.toString(), helpers, found,
                        warnings);
            } catch (IOException e) {
                warnings.add("cannot read " + hostConfig + ": " + e.getClass().getSimpleName());
            }
        }
        for (JobPlan.RegistryAuth auth : plan.registryAuths() == null ? List.<JobPlan.RegistryAuth>of()
                : plan.registryAuths()) {
            String registry = normalised(auth.registry());
            Found credentials = new Found(registry, auth.username(), auth.password(), PAYLOAD);
            add(found, registry, w -> Optional.of(credentials));
        }
        return new RegistryCredentials(found, warnings);
    }

    /** What the job's log should say about the sources (never a secret, never the config's text). */
    List<String> warnings() {
        return warnings;
    }

    /**
     * The credentials for an image: those of the longest registry name its name starts with, from the first source
     * whose credentials for it can be had; {@code warnings} hears of each helper that failed on the way.
     */
    Optional<Found> forImage(ImageReference image, Consumer<String> warnings) throws InterruptedException {
        String name = normalised(image.domain()) + "/" + image.path();
        if (image.isDockerHub() && image.path().startsWith("library/")) {
            // GitLab Runner matches Docker Hub's short names without library/
            name = ImageReference.DOCKER_HUB + "/" + image.path().substring("library/".length());
        }
        List<String> keys = new ArrayList<>();
        for (String key : byRegistry.keySet()) {
            if (name.equals(key) || name.startsWith(key + "/")) {
                keys.add(key);
            }
        }
        keys.sort(Comparator.comparingInt(String::length).reversed());
        for (String key : keys) {
            for (Resolver resolver : byRegistry.get(key)) {
                Optional<Found> credentials = resolved.get(resolver);
                if (credentials == null) {
                    credentials = resolver.resolve(warnings);
                    resolved.put(resolver, credentials);
                }
                if (credentials.isPresent()) {
                    return credentials;
                }
            }
        }
        return Optional.empty();
    }

    private static void add(Map<String, List<Resolver>> found, String registry, Resolver resolver) {
        found.computeIfAbsent(registry, r -> new ArrayList<>()).add(resolver);
    }

    private static void read(String text, String source, CredentialHelpers helpers,
            Map<String, List<Resolver>> found, List<String> warnings) throws InterruptedException {
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
        // one config's own order: a registry's helper, then the store, then the auths entry
        Map<String, List<Resolver>> own = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = config.path("credHelpers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String helper = entry.getValue().asText("");
            String refused = CredentialHelpers.refusal(helper);
            if (refused != null) {
                warnings.add(source + ": " + refused + "; it is not run");
                continue;
            }
            add(own, normalised(entry.getKey()), viaHelper(helpers, helper, entry.getKey(), source));
        }
        String store = config.path("credsStore").asText("");
        JsonNode auths = config.path("auths");
        if (!store.isEmpty()) {
            String refused = CredentialHelpers.refusal(store);
            if (refused != null) {
                warnings.add(source + ": " + refused + "; it is not run");
                store = "";
            } else {
                CredentialHelpers.Result<List<String>> held = helpers.list(store);
                if (held.failure() != null) {
                    warnings.add(source + ": " + held.failure() + "; the registries of its credsStore have no"
                            + " credentials from it");
                    store = "";
                } else {
                    List<String> servers = new ArrayList<>(held.value());
                    // Docker keeps an empty auths entry for each registry whose secret is in the store
                    auths.fieldNames().forEachRemaining(server -> {
                        if (!servers.contains(server)) {
                            servers.add(server);
                        }
                    });
                    for (String server : servers) {
                        add(own, normalised(server), viaHelper(helpers, store, server, source));
                    }
                }
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String registry = normalised(entry.getKey());
            Optional<Found> credentials = credentials(registry, entry.getValue(), source);
            if (credentials.isPresent()) {
                add(own, registry, w -> credentials);
            } else if (store.isEmpty()) {
                warnings.add(source + ": the entry for " + registry + " has no usable auth, username or password");
            }
        }
        // an earlier source that names a registry keeps it; its resolvers come first
        own.forEach((registry, resolvers) -> resolvers.forEach(r -> add(found, registry, r)));
    }

    private static Resolver viaHelper(CredentialHelpers helpers, String helper, String server, String source) {
        String registry = normalised(server);
        return warnings -> {
            CredentialHelpers.Answer answer = helpers.get(helper, server);
            if (answer instanceof CredentialHelpers.Answer.Credentials c) {
                return Optional.of(new Found(registry, c.username(), c.secret(),
                        source + " (" + CredentialHelpers.program(helper) + ")", c.identityToken()));
            }
            if (answer instanceof CredentialHelpers.Answer.Failed f) {
                warnings.accept(source + ": " + f.reason() + "; no credentials from it for " + registry);
            }
            return Optional.empty();
        };
    }

    /** {@code auth} (base64 of {@code user:password}), {@code username} and {@code password}, or a token. */
    private static Optional<Found> credentials(String registry, JsonNode entry, String source) {
        String token = entry.path("identitytoken").asText("");
        if (!token.isEmpty()) {
            return Optional.of(new Found(registry, "", Secret.of(token), source, true));
        }
        String auth = entry.path("auth").asText("");
        if (!auth.isEmpty()) {
            try {
                String decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    return Optional.of(new Found(registry, decoded.substring(0, colon),
                            Secret.of(decoded.substring(colon + 1)), source));
                }
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            return Optional.empty();
        }
        String username = entry.path("username").asText("");
        String password = entry.path("password").asText("");
        return username.isEmpty() || password.isEmpty() ? Optional.empty()
                : Optional.of(new Found(registry, username, Secret.of(password), source));
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
