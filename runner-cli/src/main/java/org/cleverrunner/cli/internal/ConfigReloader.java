package org.cleverrunner.cli.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.cli.config.ConfigException;
import org.cleverrunner.cli.logging.Logging;
import org.cleverrunner.core.Engine;
import org.cleverrunner.core.RunnerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads config.toml again while {@code run} runs, as GitLab Runner does on SIGHUP and when the file's modification
 * time moves on (it looks every {@link #CHECK_INTERVAL_SECONDS} s): concurrency, check interval, shutdown timeout,
 * log level and format, and runners added, removed or changed, without touching running jobs. A file that is not a
 * valid config (invalid TOML, an unknown executor, a provider refusing its settings) changes nothing: one error
 * line says why and the runner goes on with what it has. A file that fails is not read again until it changes.
 */
public final class ConfigReloader {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    /** gitlab-runner's ReloadConfigInterval. */
    public static final long CHECK_INTERVAL_SECONDS = 3;

    private final Path path;
    private final Engine engine;
    private final Consumer<RunnerSettings> runnerApplied;
    private final IntConsumer concurrentApplied;
    private Config current;
    private FileTime seen;

    /**
     * @param runnerApplied told of each runner added or changed (its metrics series)
     * @param concurrentApplied told of the new {@code concurrent}
     */
    public ConfigReloader(Path path, Config loaded, Engine engine, Consumer<RunnerSettings> runnerApplied,
            IntConsumer concurrentApplied) {
        this.path = Objects.requireNonNull(path, "path");
        this.current = Objects.requireNonNull(loaded, "loaded");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.runnerApplied = Objects.requireNonNull(runnerApplied, "runnerApplied");
        this.concurrentApplied = Objects.requireNonNull(concurrentApplied, "concurrentApplied");
        this.seen = modified();
    }

    /** Reloads when the file changed since it was last read; true when a new config was applied. */
    public synchronized boolean reloadIfChanged() {
        FileTime now = modified();
        if (now == null || now.equals(seen)) {
            return false;
        }
        return reload("the file changed");
    }

    /** Reads the file and applies it; true when a new config was applied, false (and one error line) otherwise. */
    public synchronized boolean reload(String why) {
        seen = modified();
        Config next;
        try {
            next = Config.load(path);
        } catch (ConfigException e) {
            LOG.error("config {} not reloaded ({}): {}; the runner goes on with the config it has", path, why,
                    e.getMessage());
            return false;
        }
        Engine.Reconfiguration applied;
        try {
            applied = engine.reconfigure(next.engine());
        } catch (RuntimeException e) {
            LOG.error("config {} not reloaded ({}): {}; the runner goes on with the config it has", path, why,
                    e.getMessage());
            return false;
        }
        if (!Objects.equals(next.logLevel(), current.logLevel())
                || !Objects.equals(next.logFormat(), current.logFormat())) {
            Logging.configure(next.logLevel(), next.logFormat());
        }
        if (!next.metricsListen().equals(current.metricsListen())) {
            LOG.warn("config {}: the metrics address ({}) changes at the next start; it stays {}", path,
                    next.metricsListen().orElse("none"), current.metricsListen().orElse("none"));
        }
        applied.notApplied().forEach(kept -> LOG.warn("config {}: not applied until a restart: {}", path, kept));
        next.warnings().forEach(warning -> LOG.warn("config {}: {}", path, warning));
        concurrentApplied.accept(next.engine().concurrent());
        for (RunnerSettings runner : next.runners()) {
            if (applied.added().contains(runner.name()) || applied.changed().contains(runner.name())) {
                runnerApplied.accept(runner);
            }
        }
        List<String> changes = new ArrayList<>();
        applied.added().forEach(name -> changes.add("+" + name));
        applied.removed().forEach(name -> changes.add("-" + name));
        applied.changed().forEach(name -> changes.add("~" + name));
        LOG.info("config {} reloaded ({}): concurrent = {}, {} runner(s){}", path, why, next.engine().concurrent(),
                next.runners().size(), changes.isEmpty() ? ", none added, removed or changed"
                        : " (" + String.join(" ", changes) + ")");
        current = next;
        return true;
    }

    /** The config in force. */
    public synchronized Config current() {
        return current;
    }

    private FileTime modified() {
        try {
            return Files.getLastModifiedTime(path);
        } catch (IOException e) {
            return null;
        }
    }
}
