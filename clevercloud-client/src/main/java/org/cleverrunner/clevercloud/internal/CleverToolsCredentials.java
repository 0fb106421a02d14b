package org.cleverrunner.clevercloud.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.cleverrunner.clevercloud.CleverCloudAuthentication;
import org.cleverrunner.clevercloud.CleverCloudException;
import org.cleverrunner.spi.Secret;

/**
 * Reads clever-tools' credentials (clever-tools {@code src/config/config.js}, {@code paths.js}): env
 * {@code CLEVER_TOKEN} + {@code CLEVER_SECRET} first, else {@code profiles[0]} of {@code clever-tools.json}
 * ({@code {"version":1,"profiles":[{"alias","token","secret","overrides":{…}}]}}), else its legacy form
 * {@code {"token","secret"}}.
 */
public final class CleverToolsCredentials {

    private CleverToolsCredentials() {
    }

    /** {@code $XDG_CONFIG_HOME/clever-cloud/clever-tools.json}, else {@code ~/.config/…}; {@code %APPDATA%} on Windows. */
    public static Path defaultConfigFile(Map<String, String> env) {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        if (os.startsWith("windows") && nonBlank(env.get("APPDATA"))) {
            return Path.of(env.get("APPDATA"), "clever-cloud", "clever-tools.json");
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = nonBlank(xdg) ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("clever-cloud").resolve("clever-tools.json");
    }

    public static CleverCloudAuthentication load(Map<String, String> env, Path configFile) {
        JsonNode overrides = null;
        String token = env.get("CLEVER_TOKEN");
        String secret = env.get("CLEVER_SECRET");
        String origin = "CLEVER_TOKEN/CLEVER_SECRET";
        if (!nonBlank(token) || !nonBlank(secret)) {
            if (configFile == null) {
                throw new CleverCloudException("no Clever Cloud credentials: CLEVER_TOKEN and CLEVER_SECRET are not"
                        + " both set and no clever-tools config file was given");
            }
            JsonNode root = read(configFile);
            JsonNode profile = root;
            JsonNode profiles = root.get("profiles");
            if (profiles != null && profiles.isArray()) {
                if (profiles.isEmpty()) {
                    throw new CleverCloudException("no Clever Cloud credentials: " + configFile
                            + " has no profile (run `clever login`)");
                }
                profile = profiles.get(0);
                overrides = profile.get("overrides");
            }
            token = text(profile, "token");
            secret = text(profile, "secret");
            if (!nonBlank(token) || !nonBlank(secret)) {
                throw new CleverCloudException("no Clever Cloud credentials: " + configFile
                        + " lacks token or secret (run `clever login`)");
            }
            origin = "clever-tools profile " + (profile.hasNonNull("alias") ? "'" + profile.get("alias").asText()
                    + "' " : "") + "in " + configFile;
        }
        String consumerKey = firstNonBlank(env.get("OAUTH_CONSUMER_KEY"), text(overrides, "OAUTH_CONSUMER_KEY"),
                CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_KEY);
        String consumerSecret = firstNonBlank(env.get("OAUTH_CONSUMER_SECRET"),
                text(overrides, "OAUTH_CONSUMER_SECRET"), CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_SECRET);
        URI apiUrl = CleverCloudAuthentication.API_URL;
        String apiHost = text(overrides, "API_HOST");
        if (nonBlank(apiHost)) {
            apiUrl = URI.create(apiHost);
        }
        return OAuth1Authentication.plaintext(consumerKey, Secret.of(consumerSecret), Secret.of(token),
                Secret.of(secret), apiUrl).from(origin);
    }

    private static JsonNode read(Path file) {
        try {
            JsonNode root = Json.mapper().readTree(Files.readAllBytes(file));
            if (root == null || !root.isObject()) {
                throw new CleverCloudException("clever-tools config " + file + " is not a JSON object");
            }
            return root;
        } catch (NoSuchFileException e) {
            throw new CleverCloudException("no Clever Cloud credentials: CLEVER_TOKEN and CLEVER_SECRET are not both"
                    + " set and " + file + " does not exist (run `clever login`)");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Jackson's message may quote the file, which holds secrets: not chained.
            throw new CleverCloudException("clever-tools config " + file + " is not valid JSON (line "
                    + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ")");
        } catch (IOException e) {
            throw new CleverCloudException("cannot read clever-tools config " + file + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode node, String field) {
        if (node == null || !node.hasNonNull(field) || !node.get(field).isValueNode()) {
            return null;
        }
        return node.get(field).asText();
    }

    private static boolean nonBlank(String value) {
        return value != null && !value.isBlank();
    }

    private static String firstNonBlank(String... values) {
        for (String value : values) {
            if (nonBlank(value)) {
                return value;
            }
        }
        return null;
    }
}
