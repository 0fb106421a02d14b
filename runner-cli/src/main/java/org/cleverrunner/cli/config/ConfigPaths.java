package org.cleverrunner.cli.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Where config.toml lives, and this machine's system id (the runner-manager identity GitLab records). */
public final class ConfigPaths {

    /** The environment variable naming the config file, as {@code --config} does. */
    public static final String CONFIG_ENV = "CLEVER_RUNNER_CONFIG";

    public static final Path SYSTEM_CONFIG = Path.of("/etc/clever-runner/config.toml");

    /** Where a random system id is kept when the machine has no id (same name as gitlab-runner's). */
    public static final String SYSTEM_ID_FILE = ".runner_system_id";

    private static final String ALPHANUMERICS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private ConfigPaths() {
    }

    /** {@code --config}, else {@code $CLEVER_RUNNER_CONFIG}, else the system path for root, else the user's. */
    public static Path resolve(String option, Map<String, String> environment) {
        return resolve(option, environment, isRoot(), Path.of(System.getProperty("user.home")));
    }

    static Path resolve(String option, Map<String, String> environment, boolean root, Path home) {
        if (option != null && !option.isBlank()) {
            return Path.of(option);
        }
        String fromEnvironment = environment.get(CONFIG_ENV);
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return Path.of(fromEnvironment);
        }
        return root ? SYSTEM_CONFIG : home.resolve(".clever-runner").resolve("config.toml");
    }

    static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** This machine's system id, for a runner whose config is {@code config}. */
    public static String systemId(Path config) {
        return systemId(Path.of("/etc/machine-id"), config);
    }

    /**
     * {@code s_} and 12 hex digits of an HMAC of the machine id when it can be read (stable across reinstalls of the
     * runner, and the machine id itself is not disclosed), else {@code r_} and 12 random letters and digits kept in
     * {@value #SYSTEM_ID_FILE} next to the config, as gitlab-runner does.
     */
    static String systemId(Path machineIdFile, Path config) {
        try {
            String machineId = Files.readString(machineIdFile, StandardCharsets.UTF_8).strip();
            if (!machineId.isEmpty()) {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec("clever-runner".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                byte[] digest = mac.doFinal(machineId.getBytes(StandardCharsets.UTF_8));
                return "s_" + HexFormat.of().formatHex(digest).substring(0, 12);
            }
        } catch (IOException | GeneralSecurityException e) {
            // no readable machine id: fall back to a persisted random one
        }
        Path idFile = config.toAbsolutePath().resolveSibling(SYSTEM_ID_FILE);
        try {
            if (Files.isRegularFile(idFile)) {
                String saved = Files.readString(idFile, StandardCharsets.UTF_8).strip();
                if (saved.matches("r_[0-9A-Za-z]{12}")) {
                    return saved;
                }
            }
            SecureRandom random = new SecureRandom();
            StringBuilder id = new StringBuilder("r_");
            for (int i = 0; i < 12; i++) {
                id.append(ALPHANUMERICS.charAt(random.nextInt(ALPHANUMERICS.length())));
            }
            Files.createDirectories(idFile.getParent());
            Files.writeString(idFile, id + "\n", StandardCharsets.UTF_8);
            return id.toString();
        } catch (IOException e) {
            throw new ConfigException(idFile, "cannot keep the runner's system id: " + e.getMessage());
        }
    }
}
