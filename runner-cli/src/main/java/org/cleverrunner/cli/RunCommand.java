package org.cleverrunner.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.cli.config.ConfigException;
import org.cleverrunner.cli.config.ConfigPaths;
import org.cleverrunner.cli.config.ConfigValidator;
import org.cleverrunner.cli.logging.Logging;
import org.cleverrunner.cli.metrics.EngineMetrics;
import org.cleverrunner.cli.metrics.GitLabRunnerMetrics;
import org.cleverrunner.cli.metrics.MetricsServer;
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
 * its metrics and health listener, and on SIGTERM or Ctrl-C stops taking jobs, lets running ones finish within
 * {@code shutdown_timeout}, then cancels the rest and releases every host.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the runner service: take jobs from every configured GitLab/Heptapod and run them.")
public final class RunCommand implements Callable<Integer> {

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
        EngineMetrics metrics = new EngineMetrics(registry);
        String version = Main.Version.number();
        String systemId = ConfigPaths.systemId(path);
        GitLabRunnerMetrics gitlabMetrics = new GitLabRunnerMetrics(version, systemId, loaded.engine().concurrent());
        for (RunnerSettings runner : loaded.runners()) {
            metrics.register(runner.name(), runner.provisioner());
            gitlabMetrics.register(runner);
        }
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
                    .port(Integer.parseInt(listen.substring(colon + 1))).registry(registry).more(gitlabMetrics::scrape)
                    .healthy(engine::isHealthy).build().start();
            LOG.info("metrics and health on http://{}/metrics and /health", listen);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        MetricsServer metricsServer = server;
        Thread hook = new Thread(() -> {
            LOG.info("stop requested");
            engine.shutdown();
            if (metricsServer != null) {
                metricsServer.close();
            }
            stopped.countDown();
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LOG.info("clever-runner started with {} runner(s), concurrent = {}", loaded.runners().size(),
                loaded.engine().concurrent());
        stopped.await();
        return 0;
    }
}
