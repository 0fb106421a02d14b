package org.cleverrunner.cli.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cleverrunner.cli.logging.Redactor;
import org.cleverrunner.core.EngineSettings;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.spi.Secret;

/**
 * A loaded config.toml: the engine's settings (each runner's cache among them), logging and metrics options, and the
 * TOML tree as read, so that {@code register} and {@code unregister} can rewrite the file.
 *
 * <pre>
 * concurrent = 4
 * check_interval = 3
 * log_level = "info"
 *
 * [[runners]]
 * name = "clever"
 * url = "https://foss.heptapod.net"
 * token = "glrt-…"
 * provisioner = "clever-cloud"
 * [runners.docker]
 * image = "alpine:3.20"
 * [runners.provisioners.clever-cloud]
 * organisation = "orga_…"
 * </pre>
 */
public final class Config {

    private static final TomlMapper TOML = new TomlMapper();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Pattern SECRET_LINE = Pattern.compile(
            "(?im)^(\\s*\"?[A-Za-z0-9_.-]*(?:token|password|secret|key)\"?\\s*=\\s*).*$");

    private final Path source;
    private final ObjectNode tree;
    private final EngineSettings engine;
    private final String logLevel;
    private final String logFormat;
    private final String metricsListen;
    private final java.util.List<String> warnings;

    private Config(Path source, ObjectNode tree, ConfigValidator.Validated validated) {
        this.source = source;
        this.tree = tree;
        this.engine = validated.engine();
        this.logLevel = validated.logLevel();
        this.logFormat = validated.logFormat();
        this.metricsListen = validated.metricsListen();
        this.warnings = validated.warnings();
    }

    /**
     * Reads and validates a config file; its tokens are then masked in every log line.
     *
     * @throws ConfigException listing every problem, or saying the file is missing or unreadable
     */
    public static Config load(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path, "no such file (create it with `clever-runner register`)");
        } catch (IOException e) {
            throw new ConfigException(path, "cannot read it: " + e);
        }
        return parse(text, path);
    }

    /**
     * Parses and validates TOML text.
     *
     * @param source the file it came from, for messages and to place the default journal; may be null
     */
    public static Config parse(String toml, Path source) {
        ObjectNode tree = readTree(toml, source);
        return new Config(source, tree, ConfigValidator.validate(tree, source));
    }

    /** An empty config as {@code register} starts it: {@code concurrent = 1}, {@code check_interval = 3}. */
    public static ObjectNode newTree() {
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        tree.put("concurrent", 1);
        tree.put("check_interval", 3);
        return tree;
    }

    /**
     * Writes a config tree as TOML, after checking it is valid: mode 0600 from its creation (tokens are inside),
     * through a temporary file in the same directory moved over the old one, so a reader never sees half a file.
     *
     * @return the written config
     * @throws ConfigException the tree is not a valid config, or the file cannot be written
     */
    public static Config write(Path path, ObjectNode tree) {
        String text = TomlWriter.write(tree);
        Config written = parse(text, path);
        Path target = path.toAbsolutePath();
        Path directory = target.getParent();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Path temporary = null;
        try {
            if (!Files.isDirectory(directory)) {
                if (posix) {
                    Files.createDirectories(directory,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(directory);
                }
            }
            temporary = posix
                    ? Files.createTempFile(directory, ".config-", ".toml.tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                    : Files.createTempFile(directory, ".config-", ".toml.tmp");
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(StandardCharsets.UTF_8.encode(text));
                channel.force(true);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temporary = null;
        } catch (IOException e) {
            throw new ConfigException(path, "cannot write it: " + e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException e) {
                    // best effort: the temporary file holds nothing the failed write did not already report
                }
            }
        }
        return written;
    }

    /** The TOML text of a config tree, as {@link #write} would write it. */
    public static String render(ObjectNode tree) {
        return TomlWriter.write(tree);
    }

    static ObjectNode readTree(String toml, Path source) {
        JsonNode tree;
        try {
            tree = TOML.readTree(toml);
        } catch (JacksonException e) {
            JsonLocation location = e.getLocation();
            String where = location == null || location.getLineNr() < 1 ? "TOML syntax"
                    : "line " + location.getLineNr() + (location.getColumnNr() > 0 ? ", column "
                    + location.getColumnNr() : "");
            // The parser may quote the offending text, which can be a token: mask what looks like one.
            throw new ConfigException(source, where + ": " + Redactor.redact(e.getOriginalMessage()));
        }
        if (tree == null || tree.isMissingNode()) {
            return JsonNodeFactory.instance.objectNode();
        }
        return (ObjectNode) tree;
    }

    // ------------------------------------------------------------------ accessors

    /** The file this config was read from or written to; null for parsed text with no source. */
    public Path source() {
        return source;
    }

    public EngineSettings engine() {
        return engine;
    }

    public java.util.List<RunnerSettings> runners() {
        return engine.runners();
    }

    public Optional<RunnerSettings> runner(String name) {
        return engine.runners().stream().filter(runner -> runner.name().equals(name)).findFirst();
    }

    /** debug, info, warn or error. */
    public String logLevel() {
        return logLevel;
    }

    /** text or json. */
    public String logFormat() {
        return logFormat;
    }

    /** {@code [metrics] listen}, host:port, when metrics are wanted. */
    public Optional<String> metricsListen() {
        return Optional.ofNullable(metricsListen);
    }

    /**
     * GitLab Runner keys accepted with no effect here, each with its path and why (e.g.
     * {@code runners[0].docker.helper_image: ignored: there is no helper image…}); {@code run} logs them at start.
     */
    public java.util.List<String> warnings() {
        return warnings;
    }

    /** A copy of the TOML tree as read, to edit and {@link #write}. */
    public ObjectNode tree() {
        return tree.deepCopy();
    }

    /** A copy of the tree with a {@code [[runners]]} entry added at the end. */
    public ObjectNode treeWithRunner(ObjectNode runner) {
        ObjectNode copy = tree();
        JsonNode runners = copy.get("runners");
        ArrayNode array = runners instanceof ArrayNode existing ? existing : copy.putArray("runners");
        array.add(runner);
        return copy;
    }

    /** A copy of the tree without the {@code [[runners]]} entries with these names. */
    public ObjectNode treeWithoutRunners(Set<String> names) {
        ObjectNode copy = tree();
        JsonNode runners = copy.get("runners");
        if (runners instanceof ArrayNode array) {
            for (int i = array.size() - 1; i >= 0; i--) {
                JsonNode name = array.get(i).get("name");
                if (name != null && names.contains(name.asText())) {
                    array.remove(i);
                }
            }
            if (array.isEmpty()) {
                copy.remove("runners");
            }
        }
        return copy;
    }

    /** The config as TOML with every secret's value (token, password, secret, key) masked. */
    public String dump() {
        Matcher matcher = SECRET_LINE.matcher(TomlWriter.write(tree));
        return Redactor.redact(matcher.replaceAll("$1\"" + Matcher.quoteReplacement(Secret.MASK) + "\""));
    }

    @Override
    public String toString() {
        return "Config[source=" + source + ", concurrent=" + engine.concurrent() + ", checkInterval="
                + engine.checkInterval() + ", logLevel=" + logLevel + ", logFormat=" + logFormat + ", metrics="
                + metricsListen + ", runners=" + engine.runners() + "]";
    }
}
