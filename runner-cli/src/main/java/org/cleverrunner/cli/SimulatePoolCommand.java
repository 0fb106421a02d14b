package org.cleverrunner.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.cleverrunner.core.hosts.pool.ArrivalTrace;
import org.cleverrunner.core.hosts.pool.PolicySpec;
import org.cleverrunner.core.hosts.pool.PoolPolicy;
import org.cleverrunner.core.hosts.pool.PoolSimulator;
import org.cleverrunner.spi.Durations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code simulate-pool}: replays a job-arrival trace (a CSV, or a generated day) against warm-pool policies with
 * the pool's own decisions in virtual time, and prints for each what the VMs cost and how long jobs waited, with a
 * VM per job (no pool) as the first row.
 */
@Command(name = "simulate-pool", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Replay job arrivals against warm-pool policies and print cost and wait for each.",
                "Policies: key=value pairs separated by ';' (name, max_instances, max_uses, scope, idle_count as N or"
                        + " M:4,XL:1, idle_time, periods as cron periods separated by '|', timezone, scale_factor,"
                        + " scale_factor_limit)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the table was printed", "2:bad options, policy or trace (the message says which)"})
public final class SimulatePoolCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--trace", paramLabel = "CSV", description = "Jobs as queued_at,project,flavor,duration_s.")
    Path trace;

    @Option(names = "--generate", paramLabel = "KIND", description = "Generate the jobs instead: bursty (office-hours"
            + " pipelines, the default) or poisson.")
    String generate = "bursty";

    @Option(names = "--hours", description = "Hours of generated traffic (default: ${DEFAULT-VALUE}).")
    int hours = 24;

    @Option(names = "--rate", description = "Generated arrivals per hour at the peak: pipelines (bursty) or jobs"
            + " (poisson) (default: ${DEFAULT-VALUE}).")
    double rate = 12;

    @Option(names = "--projects", description = "Projects in generated traffic (default: ${DEFAULT-VALUE}).")
    int projects = 10;

    @Option(names = "--flavors", description = "Generated flavor shares (default: ${DEFAULT-VALUE}).")
    String flavors = "M:0.8,XL:0.2";

    @Option(names = "--mean-duration", description = "Mean generated job duration (default: ${DEFAULT-VALUE}).")
    String meanDuration = "4m";

    @Option(names = "--seed", description = "Seed of generated traffic (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--boot", description = "A new VM's time to its first job (default: ${DEFAULT-VALUE}).")
    String boot = "60s";

    @Option(names = "--reuse-overhead", description = "Cleaning and checking a kept VM before its next job"
            + " (default: ${DEFAULT-VALUE}).")
    String reuseOverhead = "3s";

    @Option(names = "--price", paramLabel = "FLAVOR=PRICE", description = "Price per hour of a flavor, for the cost"
            + " column (repeatable).")
    Map<String, Double> prices = new LinkedHashMap<>();

    @Option(names = "--policy", paramLabel = "SPEC", description = "A pool policy (repeatable).")
    List<String> policies = new ArrayList<>();

    @Option(names = "--config", paramLabel = "TOML", description = "Also each runner's [runners.autoscaler] of this"
            + " config.toml, as the runner would keep its pool (repeatable).")
    List<Path> configs = new ArrayList<>();

    @Option(names = "--write-trace", paramLabel = "CSV", description = "Also write the (generated) jobs there.")
    Path writeTrace;

    @Option(names = "--csv", paramLabel = "FILE", description = "Also write the table as CSV, for a spreadsheet.")
    Path csv;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<PoolPolicy> parsed = new ArrayList<>();
        List<ArrivalTrace.Job> jobs;
        PoolSimulator.Cloud cloud;
        try {
            cloud = new PoolSimulator.Cloud(duration("--boot", boot), duration("--reuse-overhead", reuseOverhead),
                    prices.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                            e -> e.getKey().toUpperCase(Locale.ROOT), Map.Entry::getValue)));
            jobs = jobs();
            Set<String> offered = new java.util.TreeSet<>();
            jobs.forEach(job -> offered.add(job.flavor()));
            int largest = 1;
            List<PoolPolicy> given = new ArrayList<>();
            for (String text : policies) {
                given.add(PolicySpec.parse(text));
            }
            for (Path file : configs) {
                for (var runner : org.cleverrunner.cli.config.Config.load(file).runners()) {
                    PoolPolicy pool = PolicySpec.fromSettings(runner.provisionerSettings());
                    if (pool != null) {
                        given.add(new PoolPolicy(runner.name(), pool.maxInstances(), pool.maxUses(), pool.scope(),
                                pool.rules(), pool.acquireTimeout()));
                    }
                }
            }
            if (!configs.isEmpty() && given.isEmpty()) {
                throw new IllegalArgumentException("no runner of " + configs + " has a [runners.autoscaler] section");
            }
            for (PoolPolicy policy : given) {
                List<String> problems = policy.problems(offered);
                if (!problems.isEmpty()) {
                    throw new IllegalArgumentException("policy '" + policy.name() + "': "
                            + String.join("; ", problems));
                }
                largest = Math.max(largest, policy.maxInstances());
                parsed.add(policy);
            }
            parsed.add(0, PoolPolicy.perJob(largest));
        } catch (IllegalArgumentException | IOException | org.cleverrunner.cli.config.ConfigException e) {
            err.println("simulate-pool: " + e.getMessage());
            return 2;
        }
        String defaultFlavor = jobs.isEmpty() ? "M" : jobs.get(0).flavor();
        List<PoolSimulator.Result> results = new ArrayList<>();
        for (PoolPolicy policy : parsed) {
            results.add(new PoolSimulator(policy, cloud, defaultFlavor).run(jobs));
        }
        out.printf("%d jobs, boot %s, reuse overhead %s%n", jobs.size(), Durations.human(cloud.bootTime()),
                Durations.human(cloud.reuseOverhead()));
        out.print(table(results, !prices.isEmpty()));
        out.flush();
        try {
            if (csv != null) {
                Files.writeString(csv, csv(results), StandardCharsets.UTF_8);
            }
            if (writeTrace != null) {
                try (Writer writer = Files.newBufferedWriter(writeTrace, StandardCharsets.UTF_8)) {
                    ArrivalTrace.write(jobs, writer);
                }
            }
        } catch (IOException e) {
            err.println("simulate-pool: cannot write " + e.getMessage());
            return 2;
        }
        return 0;
    }

    private List<ArrivalTrace.Job> jobs() throws IOException {
        if (trace != null) {
            if (!Files.isRegularFile(trace)) {
                throw new IllegalArgumentException("no trace at " + trace);
            }
            return ArrivalTrace.read(trace);
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        for (String entry : flavors.split(",")) {
            String[] pair = entry.split(":", 2);
            try {
                shares.put(pair[0].strip().toUpperCase(Locale.ROOT), pair.length == 1 ? 1.0
                        : Double.parseDouble(pair[1].strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--flavors '" + flavors + "' is not FLAVOR:share,…");
            }
        }
        Duration mean = duration("--mean-duration", meanDuration);
        return switch (generate.toLowerCase(Locale.ROOT)) {
            case "bursty" -> ArrivalTrace.bursty(seed, hours, rate, projects, shares, mean);
            case "poisson" -> ArrivalTrace.poisson(seed, hours, rate, projects, shares, mean);
            default -> throw new IllegalArgumentException("--generate '" + generate + "' is not bursty or poisson");
        };
    }

    private static Duration duration(String option, String text) {
        try {
            return org.cleverrunner.core.hosts.pool.PolicySpec.duration(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " '" + text + "' is not a duration such as 60s or 2m");
        }
    }

    static String table(List<PoolSimulator.Result> results, boolean withCost) {
        StringBuilder table = new StringBuilder();
        table.append(String.format("%-22s %6s %9s %7s %9s %9s %9s %9s %7s %5s%n", "policy", "jobs", "VM-hours",
                "idle", withCost ? "cost" : "", "wait p50", "wait p95", "wait max", "warm", "VMs"));
        for (PoolSimulator.Result r : results) {
            table.append(String.format(Locale.ROOT, "%-22s %6d %9.1f %6.0f%% %9s %9s %9s %9s %7d %5d%n",
                    r.policy().length() > 22 ? r.policy().substring(0, 21) + "…" : r.policy(), r.jobs(),
                    r.billedSeconds() / 3600.0, r.idleShare() * 100,
                    withCost ? String.format(Locale.ROOT, "%.2f", r.cost()) : "", Durations.human(r.p50()),
                    Durations.human(r.p95()), Durations.human(r.max()), r.reused(), r.hostsCreated()));
        }
        return table.toString();
    }

    static String csv(List<PoolSimulator.Result> results) {
        StringBuilder csv = new StringBuilder("policy,jobs,vm_seconds,busy_seconds,idle_share,cost,wait_p50_s,"
                + "wait_p95_s,wait_max_s,warm_starts,vms\n");
        for (PoolSimulator.Result r : results) {
            csv.append(String.format(Locale.ROOT, "\"%s\",%d,%d,%d,%.4f,%.4f,%d,%d,%d,%d,%d%n",
                    r.policy().replace("\"", "\"\""), r.jobs(), r.billedSeconds(), r.busySeconds(), r.idleShare(),
                    r.cost(), r.p50().toSeconds(), r.p95().toSeconds(), r.max().toSeconds(), r.reused(),
                    r.hostsCreated()));
        }
        return csv.toString();
    }
}
