package org.cleverrunner.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.cli.config.ConfigException;
import org.cleverrunner.cli.config.ConfigPaths;
import org.cleverrunner.cli.config.ConfigValidator;
import org.cleverrunner.cli.internal.ConfigReloader;
import org.cleverrunner.cli.internal.StopSignals;
import org.cleverrunner.cli.logging.Logging;
import org.cleverrunner.cli.metrics.EngineMetrics;
import org.cleverrunner.cli.metrics.GitLabRunnerMetrics;
import org.cleverrunner.cli.metrics.MetricsServer;
import org.cleverrunner.cli.metrics.ProcessMetrics;
import org.cleverrunner.core.Engine;
import org.cleverrunner.core.EngineListener;
import org.cleverrunner.core.JournalLock;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.spi.RunnerSpiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code run}: the runner service. Loads and checks config.toml (every problem at once), starts the engine with
 * its metrics and health listener, reloads the config on SIGHUP or when the file changes, and stops as GitLab
 * Runner does: forcefully on SIGTERM or SIGINT, gracefully on SIGQUIT (through the launcher) or SIGUSR1.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the runner service: take jobs from every configured GitLab/Heptapod and run them.",
                "SIGHUP or a change of the file reloads the config. SIGTERM/SIGINT: abort the running jobs, report"
                        + " them, exit (within shutdown_timeout). SIGQUIT (through the clever-runner launcher) or"
                        + " SIGUSR1: take no more jobs, exit when the running ones are done. A second signal during"
                        + " a stop makes it forceful, or exits at once when it already is."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped, every job reported", "1:the config or the start failed (the reason on stderr)",
                "2:wrong command line", "3:stopped with jobs not reported (shutdown_timeout passed, or a second"
                        + " signal): the next start reports them"})
public final class RunCommand implements Callable<Integer> {

    /** Stopped, every job reported. */
    public static final int EXIT_STOPPED = 0;
    /** Stopped with jobs whose final state the next start sends. */
    public static final int EXIT_UNCLEAN = 3;

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--skip-reachability-check", description = "Do not try each coordinator's address at start"
            + " (an unreachable one is only a warning anyway).")
    boolean skipReachability;

    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        // first of all: a stop or reload asked for while the runner starts waits in the queue, it does not kill it
        StopSignals signals = StopSignals.install();
        Path path = config.resolve(environment);
        Config loaded;
        try {
            loaded = Config.load(path);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 1;
        }
        Logging.configure(loaded.logLevel(), loaded.logFormat());
        loaded.warnings().forEach(warning -> LOG.warn("config {}: {}", path, warning));
        if (!skipReachability) {
            // as GitLab Runner: a coordinator down at start is an outage like any other (asked again with backoff,
            // a line when it is back), and the other runners start
            for (String problem : ConfigValidator.checkReachable(loaded.engine(), Duration.ofSeconds(5))) {
                LOG.warn("config {}: {}; its jobs will be asked for with backoff until it answers", path, problem);
            }
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // the JVM's own meters; the process_* families dashboards read are ProcessMetrics' (Micrometer's uptime and
        // file descriptor binders would write process_start_time_seconds a second time)
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
        ProcessMetrics process = new ProcessMetrics();
        EngineMetrics metrics = new EngineMetrics(registry);
        String version = Main.Version.number();
        String systemId = ConfigPaths.systemId(path);
        GitLabRunnerMetrics gitlabMetrics = new GitLabRunnerMetrics(version, systemId, loaded.engine().concurrent());
        // each runner's series, at start and for each runner a reload adds or changes
        java.util.function.Consumer<RunnerSettings> registered = runner -> {
            metrics.register(runner.name(), runner.provisioner());
            gitlabMetrics.register(runner);
        };
        loaded.runners().forEach(registered);
        Logging.countProblems(gitlabMetrics::logged);
        Engine engine;
        try {
            engine = Engine.builder().settings(loaded.engine()).listener(EngineListener.all(metrics, gitlabMetrics))
                    .version(version).systemId(systemId).coordinatorClients(b -> b.observer(gitlabMetrics)).build();
            engine.start();
        } catch (JournalLock.HeldException e) {
            // one owner of a runner's state: a second run would take the first one's live jobs for abandoned
            err.println("cannot start: " + e.getMessage());
            return 1;
        } catch (RunnerSpiException | IllegalArgumentException e) {
            err.println("cannot start: " + e.getMessage());
            return 1;
        }
        MetricsServer server = null;
        if (loaded.metricsListen().isPresent()) {
            String listen = loaded.metricsListen().get();
            int colon = listen.lastIndexOf(':');
            server = MetricsServer.builder().host(listen.substring(0, colon))
                    .port(Integer.parseInt(listen.substring(colon + 1))).registry(registry)
                    .more(() -> gitlabMetrics.scrape() + process.scrape())
                    .healthy(engine::isHealthy).build().start();
            LOG.info("metrics and health on http://{}/metrics and /health", listen);
        }
        LOG.info("clever-runner started with {} runner(s), concurrent = {}", loaded.runners().size(),
                loaded.engine().concurrent());
        ConfigReloader reloader = new ConfigReloader(path, loaded, engine, registered, gitlabMetrics::concurrent);
        try {
            return serve(engine, reloader, signals);
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /**
     * Until a stop signal: reloads on SIGHUP and when the file changes. Then as GitLab Runner: SIGTERM/SIGINT abort
     * the jobs and wait {@code shutdown_timeout} for them to report; the graceful signal waits for the jobs to
     * finish; a forceful signal during a graceful stop aborts the jobs, and any signal during a forceful stop exits
     * at once.
     */
    private int serve(Engine engine, ConfigReloader reloader, StopSignals signals) throws InterruptedException {
        if (!signals.handlesTerm()) {
            // no handler could be installed: SIGTERM runs the JVM's shutdown hooks, a forceful stop here
            Runtime.getRuntime().addShutdownHook(new Thread(() -> engine.stop(Duration.ZERO), "shutdown"));
        }
        LOG.debug("signals handled: {}", signals.installed());
        if (signals.ignored().contains("SIGHUP")) {
            LOG.warn("SIGHUP is ignored in this process (started with nohup?), so it cannot reload the config: a"
                    + " change of the file still does (the clever-runner launcher handles SIGHUP)");
        }
        CompletableFuture<Boolean> stopped = null;
        boolean forceful = false;
        while (stopped == null || !stopped.isDone()) {
            StopSignals.Request request = signals.next(stopped == null ? ConfigReloader.CHECK_INTERVAL_SECONDS * 1000
                    : 200, TimeUnit.MILLISECONDS);
            if (request == null) {
                if (stopped == null) {
                    reloader.reloadIfChanged();
                }
                continue;
            }
            switch (request) {
                case RELOAD -> {
                    if (stopped == null) {
                        reloader.reload("SIGHUP");
                    } else {
                        LOG.info("stopping: the config is not reloaded");
                    }
                }
                case GRACEFUL_STOP -> {
                    if (stopped == null) {
                        LOG.warn("graceful stop: no new jobs; waiting for {} running job(s) to finish (SIGTERM or"
                                + " SIGINT aborts them)", engine.runningJobs());
                        stopped = stopInBackground(engine, Engine.FOREVER);
                    } else if (forceful) {
                        return forcedExit(engine);
                    } else {
                        LOG.warn("graceful stop: still waiting for {} running job(s)", engine.runningJobs());
                    }
                }
                case FORCEFUL_STOP -> {
                    if (stopped == null) {
                        if (engine.runningJobs() > 0) {
                            LOG.warn("forceful stop: aborting {} running job(s)", engine.runningJobs());
                        }
                        forceful = true;
                        stopped = stopInBackground(engine, Duration.ZERO);
                    } else if (!forceful) {
                        LOG.warn("forceful stop during the graceful one: aborting {} running job(s)",
                                engine.runningJobs());
                        forceful = true;
                        engine.abortRunning();
                    } else {
                        return forcedExit(engine);
                    }
                }
            }
        }
        return stopped.join() ? EXIT_STOPPED : EXIT_UNCLEAN;
    }

    private static CompletableFuture<Boolean> stopInBackground(Engine engine, Duration grace) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        Thread stopper = new Thread(() -> {
            try {
                done.complete(engine.stop(grace));
            } catch (RuntimeException | Error e) {
                LOG.error("stopping failed", e);
                done.complete(false);
            }
        }, "stop");
        stopper.setDaemon(true);
        stopper.start();
        return done;
    }

    private static int forcedExit(Engine engine) {
        LOG.warn("second stop signal: exiting now; {} job(s) not reported are left to the next start",
                engine.runningJobs());
        return EXIT_UNCLEAN;
    }
}
