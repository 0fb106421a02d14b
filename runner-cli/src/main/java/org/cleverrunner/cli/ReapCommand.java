package org.cleverrunner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.cli.config.ConfigPaths;
import org.cleverrunner.cli.config.ConfigException;
import org.cleverrunner.core.JournalLock;
import org.cleverrunner.core.LocalDockerProvisionerFactory;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.spi.Executor;
import org.cleverrunner.spi.ExecutorFactory;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.Provisioner;
import org.cleverrunner.spi.Providers;
import org.cleverrunner.spi.ReapingProvisioner;
import org.cleverrunner.spi.RunnerSpiException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reap}: removes what this runner left behind: on each host its provisioner still lists (or the local
 * Docker Engine), the containers, networks and volumes carrying the runner's labels; then the hosts themselves.
 * Refuses while a live {@code run} holds the journal's lock (it would remove that run's live jobs' containers),
 * unless {@code --force}; the service does the same at start from its journal.
 */
@Command(name = "reap", mixinStandardHelpOptions = true,
        description = "Remove the leftovers of this runner (containers, networks, volumes, hosts).")
public final class ReapCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--name", description = "Only this runner.")
    String name;

    @Option(names = "--force", description = "Reap even while a running clever-runner holds this config's journal"
            + " (its live jobs' containers are removed too).")
    boolean force;

    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path path = config.resolve(environment);
        try {
            Config loaded = Config.load(path);
            JournalLock lock = null;
            if (loaded.engine().journalFile() != null) {
                JournalLock.Attempt attempt = JournalLock.tryAcquire(loaded.engine().journalFile());
                if (attempt instanceof JournalLock.Held held) {
                    if (!force) {
                        err.printf("a clever-runner run (%s) holds the journal %s (lock %s): reaping now would"
                                + " remove its live jobs; stop it first, or pass --force%n", held.holder(),
                                loaded.engine().journalFile(), held.lockFile());
                        return 1;
                    }
                    err.printf("warning: a clever-runner run (%s) holds the journal %s; reaping anyway (--force)%n",
                            held.holder(), loaded.engine().journalFile());
                } else {
                    lock = ((JournalLock.Acquired) attempt).lock();
                }
            }
            try {
                return reap(loaded, out, err);
            } finally {
                if (lock != null) {
                    lock.close();
                }
            }
        } catch (ConfigException | RunnerSpiException e) {
            err.println(e.getMessage());
            return 1;
        } catch (java.io.UncheckedIOException e) {
            err.println(e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private int reap(Config loaded, PrintWriter out, PrintWriter err) throws InterruptedException {
        ClassLoader loader = getClass().getClassLoader();
        int failures = 0;
        String systemId = ConfigPaths.systemId(loaded.source());
        for (RunnerSettings runner : Runners.select(loaded, name, false)) {
            String hostKey = runner.hostKey(systemId, loaded.engine().journalFile());
            Executor executor = Providers.find(ExecutorFactory.class, runner.executor(), loader)
                    .create(runner.executorSettings());
            Provisioner provisioner = org.cleverrunner.core.hosts.Provisioners.create(runner.provisioner(),
                    runner.provisionerSettings(), loader);
            List<Host> hosts;
            if (provisioner instanceof ReapingProvisioner reaping) {
                hosts = reaping.leftovers(hostKey);
            } else if (LocalDockerProvisionerFactory.ID.equals(runner.provisioner())) {
                // the local engine is the only host: lending it is instant and creates nothing
                hosts = List.of(provisioner.acquire(new org.cleverrunner.spi.HostRequest(hostKey, 1,
                        null, null)));
            } else {
                out.printf("%s: provisioner %s cannot list its hosts; nothing to reap%n", runner.name(),
                        runner.provisioner());
                hosts = List.of();
            }
            for (Host host : hosts) {
                try {
                    int removed = executor.sweep(host, hostKey);
                    if (provisioner instanceof ReapingProvisioner) {
                        provisioner.release(host);
                    }
                    out.printf("%s: %s: removed %d leftover(s)%n", runner.name(), host.id(), removed);
                } catch (RuntimeException e) {
                    failures++;
                    err.printf("%s: %s: %s%n", runner.name(), host.id(), e.getMessage());
                }
            }
            provisioner.close();
            executor.close();
        }
        return failures == 0 ? 0 : 1;
    }
}
