package org.cleverrunner.docker.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the gateway lets through: an allow-list of the Docker Engine API calls the executor makes, and the checks on
 * the bodies that could otherwise reach the host (privileged containers, host binds, host namespaces…).
 * Pure functions, no I/O, so that they are tested without an engine.
 */
final class GatewayPolicy {

    /** What to do with the body of an allowed request. */
    enum BodyHandling {
        /** Stream it to the engine as it comes. */
        STREAM,
        /** Read it (small), check it as a container-create body, then send it. */
        CHECK_CONTAINER_CREATE,
        /** Read it (small), check it as a volume-create body, then send it. */
        CHECK_VOLUME_CREATE,
        /** Do not send it: older API versions read a HostConfig from a start body. */
        DROP
    }

    /** The answer for one request line: allowed with a body handling, or refused with a reason. */
    record Verdict(boolean allowed, BodyHandling body, String reason) {

        static Verdict allow(BodyHandling body) {
            return new Verdict(true, body, null);
        }

        static Verdict refuse(String reason) {
            return new Verdict(false, null, reason);
        }
    }

    private record Rule(Set<String> methods, Pattern path, BodyHandling body) {
    }

    private static final String ID = "[^/]+";

    private static final List<Rule> RULES = List.of(
            rule(Set.of("GET", "HEAD"), "/_ping", BodyHandling.STREAM),
            rule(Set.of("GET"), "/version", BodyHandling.STREAM),
            rule(Set.of("GET"), "/info", BodyHandling.STREAM),
            rule(Set.of("POST"), "/containers/create", BodyHandling.CHECK_CONTAINER_CREATE),
            rule(Set.of("GET"), "/containers/json", BodyHandling.STREAM),
            rule(Set.of("GET"), "/containers/" + ID + "/json", BodyHandling.STREAM),
            rule(Set.of("POST"), "/containers/" + ID + "/start", BodyHandling.DROP),
            rule(Set.of("POST"), "/containers/" + ID + "/(stop|wait|kill)", BodyHandling.STREAM),
            rule(Set.of("GET"), "/containers/" + ID + "/logs", BodyHandling.STREAM),
            rule(Set.of("GET", "HEAD", "PUT"), "/containers/" + ID + "/archive", BodyHandling.STREAM),
            rule(Set.of("DELETE"), "/containers/" + ID, BodyHandling.STREAM),
            rule(Set.of("POST"), "/networks/create", BodyHandling.STREAM),
            rule(Set.of("GET"), "/networks", BodyHandling.STREAM),
            rule(Set.of("GET", "DELETE"), "/networks/" + ID, BodyHandling.STREAM),
            rule(Set.of("POST"), "/volumes/create", BodyHandling.CHECK_VOLUME_CREATE),
            rule(Set.of("GET"), "/volumes", BodyHandling.STREAM),
            rule(Set.of("GET", "DELETE"), "/volumes/" + ID, BodyHandling.STREAM),
            rule(Set.of("GET"), "/images/json", BodyHandling.STREAM),
            rule(Set.of("GET"), "/images/.+/json", BodyHandling.STREAM),
            rule(Set.of("POST"), "/images/create", BodyHandling.STREAM));

    private static final Pattern VERSION_PREFIX = Pattern.compile("^/v(\\d+)\\.(\\d+)(/.*)$");

    /** Below 1.24 the engine honours a HostConfig sent with start, which would bypass the create checks. */
    private static final int MIN_MINOR_VERSION = 24;

    /** A named volume, as the engine accepts them: anything else before the colon is a host path. */
    private static final Pattern VOLUME_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static Rule rule(Set<String> methods, String regex, BodyHandling body) {
        return new Rule(methods, Pattern.compile(regex), body);
    }

    private GatewayPolicy() {
    }

    /**
     * Whether a request line may go to the engine.
     *
     * @param method the HTTP method
     * @param path the decoded path (percent-escapes resolved), with or without a {@code /v1.NN} prefix
     * @param rawQuery the query string as received, or null
     */
    static Verdict check(String method, String path, String rawQuery) {
        String refusal = "the gateway does not allow " + method + " " + path;
        if (path == null || !path.startsWith("/") || path.contains("//") || path.contains("\\")
                || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return Verdict.refuse(refusal);
        }
        for (String segment : path.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                return Verdict.refuse(refusal);
            }
        }
        String unversioned = path;
        Matcher version = VERSION_PREFIX.matcher(path);
        if (version.matches()) {
            if (!version.group(1).equals("1") || Integer.parseInt(version.group(2)) < MIN_MINOR_VERSION) {
                return Verdict.refuse("the gateway does not allow Docker API versions below 1." + MIN_MINOR_VERSION);
            }
            unversioned = version.group(3);
        }
        for (Rule rule : RULES) {
            if (rule.methods().contains(method) && rule.path().matcher(unversioned).matches()) {
                if (unversioned.equals("/images/create")) {
                    Map<String, String> query = parseQuery(rawQuery);
                    // Only pulls: fromSrc imports a tarball or fetches any URL from the host.
                    if (query.containsKey("fromsrc") || !query.containsKey("fromimage")) {
                        return Verdict.refuse("the gateway only allows image pulls (fromImage), not imports (fromSrc)");
                    }
                }
                return Verdict.allow(rule.body());
            }
        }
        return Verdict.refuse(refusal);
    }

    /** Query keys (lower-cased: the engine's form parsing is case-sensitive, but refusing more is safe). */
    private static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.put(key.toLowerCase(Locale.ROOT), value);
        }
        return query;
    }

    /** Why a {@code POST /containers/create} body is refused, or empty when it is fine. */
    static Optional<String> checkContainerCreate(byte[] body) {
        JsonNode root;
        try {
            root = parse(body);
        } catch (Refusal r) {
            return Optional.of(r.getMessage());
        }
        try {
            JsonNode hostConfig = field(root, "HostConfig");
            if (hostConfig == null) {
                return Optional.empty();
            }
            JsonNode privileged = field(hostConfig, "Privileged");
            if (privileged != null && !(privileged.isBoolean() && !privileged.booleanValue())) {
                return Optional.of("HostConfig.Privileged: privileged containers are not allowed");
            }
            for (JsonNode bind : elements(hostConfig, "Binds")) {
                String spec = bind.asText("");
                String[] parts = spec.split(":");
                // One part is an anonymous volume at a container path; with more, the first names the source.
                if (parts.length > 1 && !VOLUME_NAME.matcher(parts[0]).matches()) {
                    return Optional.of("HostConfig.Binds: host path binds are not allowed (" + spec
                            + "); use a named volume");
                }
            }
            for (JsonNode mount : elements(hostConfig, "Mounts")) {
                JsonNode type = field(mount, "Type");
                String kind = type == null ? "" : type.asText("").toLowerCase(Locale.ROOT);
                if (!kind.equals("volume") && !kind.equals("tmpfs")) {
                    return Optional.of("HostConfig.Mounts: mounts of type '" + kind
                            + "' are not allowed; only volume and tmpfs");
                }
                JsonNode volumeOptions = field(mount, "VolumeOptions");
                JsonNode driverConfig = volumeOptions == null ? null : field(volumeOptions, "DriverConfig");
                JsonNode options = driverConfig == null ? null : field(driverConfig, "Options");
                Optional<String> why = checkDriverOptions(options, "HostConfig.Mounts.VolumeOptions.DriverConfig.Options");
                if (why.isPresent()) {
                    return why;
                }
            }
            for (String list : new String[] {"Devices", "CapAdd", "DeviceRequests", "DeviceCgroupRules"}) {
                if (!elements(hostConfig, list).isEmpty()) {
                    return Optional.of("HostConfig." + list + " is not allowed");
                }
            }
            for (String mode : new String[] {"NetworkMode", "PidMode", "IpcMode", "UTSMode", "UsernsMode",
                    "CgroupnsMode"}) {
                JsonNode node = field(hostConfig, mode);
                String value = node == null ? "" : node.asText("").toLowerCase(Locale.ROOT);
                if (value.equals("host")) {
                    return Optional.of("HostConfig." + mode + "=host is not allowed");
                }
                // Sharing another container's network is how services meet; sharing its pid or ipc is not needed.
                if (value.startsWith("container:") && !mode.equals("NetworkMode")) {
                    return Optional.of("HostConfig." + mode + "=container:… is not allowed");
                }
            }
            for (JsonNode opt : elements(hostConfig, "SecurityOpt")) {
                String value = opt.asText("").toLowerCase(Locale.ROOT).replace(':', '=').replace(" ", "");
                if (value.contains("unconfined") || value.equals("label=disable")) {
                    return Optional.of("HostConfig.SecurityOpt " + opt.asText("") + " is not allowed");
                }
            }
            return Optional.empty();
        } catch (Refusal r) {
            return Optional.of(r.getMessage());
        }
    }

    /** Why a {@code POST /volumes/create} body is refused, or empty when it is fine. */
    static Optional<String> checkVolumeCreate(byte[] body) {
        try {
            JsonNode root = parse(body);
            return checkDriverOptions(field(root, "DriverOpts"), "DriverOpts");
        } catch (Refusal r) {
            return Optional.of(r.getMessage());
        }
    }

    /** The local driver mounts whatever {@code device} says, and {@code o=bind} makes it a host bind. */
    private static Optional<String> checkDriverOptions(JsonNode options, String where) {
        if (options == null || !options.isObject()) {
            return Optional.empty();
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = options.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> option = it.next();
            String key = option.getKey().toLowerCase(Locale.ROOT);
            String value = option.getValue().asText("");
            if (key.equals("o") && value.toLowerCase(Locale.ROOT).contains("bind")) {
                return Optional.of(where + ": o=" + value + " binds a host path, which is not allowed");
            }
            if (key.equals("device") && value.startsWith("/")) {
                return Optional.of(where + ": device " + value + " is a host path, which is not allowed");
            }
        }
        return Optional.empty();
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode root = JSON.readTree(body);
            if (root == null || root.isNull() || root.isMissingNode()) {
                return JSON.createObjectNode();
            }
            if (!root.isObject()) {
                throw new Refusal("the request body must be a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw new Refusal("the request body is not valid JSON");
        }
    }

    /**
     * A field looked up as the engine does: Go's JSON decoding matches names case-insensitively, so a lower-case
     * {@code privileged} counts too, and two spellings of one name are refused as ambiguous.
     */
    private static JsonNode field(JsonNode object, String name) {
        if (object == null || !object.isObject()) {
            return null;
        }
        JsonNode found = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equalsIgnoreCase(name)) {
                if (found != null) {
                    throw new Refusal("the field " + name + " appears more than once");
                }
                found = entry.getValue();
            }
        }
        return found == null || found.isNull() ? null : found;
    }

    private static List<JsonNode> elements(JsonNode object, String name) {
        JsonNode node = field(object, name);
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new Refusal("HostConfig." + name + " must be an array");
        }
        List<JsonNode> list = new java.util.ArrayList<>();
        node.forEach(list::add);
        return list;
    }

    /** Internal control flow for a refused body; never leaves this class. */
    private static final class Refusal extends RuntimeException {
        Refusal(String message) {
            super(message, null, false, false);
        }
    }
}
