package org.cleverrunner.core.hosts.pool;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A job-arrival trace for the pool simulator: a CSV of {@code queued_at,project,flavor,duration_s}
 * ({@code queued_at} as an ISO-8601 instant or seconds from the start), or a generated day of traffic.
 */
public final class ArrivalTrace {

    /** One job: when it was queued, its project (a {@code group/project} path), flavor and script duration. */
    public record Job(Instant queuedAt, String project, String flavor, Duration duration) {
    }

    static final Instant EPOCH = Instant.parse("2026-12-07T00:00:00Z"); // a Monday

    private ArrivalTrace() {
    }

    /** Reads a trace; the message of a refusal names the line. */
    public static List<Job> read(Path csv) throws IOException {
        List<Job> jobs = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || i == 0 && line.startsWith("queued_at")) {
                continue;
            }
            String[] fields = line.split(",");
            if (fields.length != 4) {
                throw new IllegalArgumentException(csv + ":" + (i + 1) + ": expected queued_at,project,flavor,"
                        + "duration_s, got " + fields.length + " fields");
            }
            try {
                Instant queued = fields[0].strip().matches("\\d+(\\.\\d+)?")
                        ? EPOCH.plusMillis((long) (Double.parseDouble(fields[0].strip()) * 1000))
                        : Instant.parse(fields[0].strip());
                Duration duration = Duration.ofMillis((long) (Double.parseDouble(fields[3].strip()) * 1000));
                if (duration.isNegative()) {
                    throw new IllegalArgumentException("a negative duration");
                }
                jobs.add(new Job(queued, fields[1].strip(), fields[2].strip().toUpperCase(java.util.Locale.ROOT),
                        duration));
            } catch (DateTimeParseException | IllegalArgumentException e) {
                throw new IllegalArgumentException(csv + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        jobs.sort(Comparator.comparing(Job::queuedAt));
        return jobs;
    }

    /** Writes a trace in the form {@link #read} reads. */
    public static void write(List<Job> jobs, Writer out) throws IOException {
        out.write("queued_at,project,flavor,duration_s\n");
        for (Job job : jobs) {
            out.write(job.queuedAt().atOffset(ZoneOffset.UTC) + "," + job.project() + "," + job.flavor() + ","
                    + job.duration().toMillis() / 1000.0 + "\n");
        }
    }

    /**
     * A day of Poisson arrivals at {@code jobsPerHour}, over {@code projects} projects in 3 groups, flavors drawn
     * from {@code flavorShares}, durations log-normal around {@code meanDuration}.
     */
    public static List<Job> poisson(long seed, int hours, double jobsPerHour, int projects,
            Map<String, Double> flavorShares, Duration meanDuration) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Job> jobs = new ArrayList<>();
        double t = 0;
        double end = hours * 3600.0;
        while (true) {
            t += -Math.log(1 - random.nextDouble()) * 3600.0 / jobsPerHour;
            if (t >= end) {
                break;
            }
            jobs.add(job(random, EPOCH.plusMillis((long) (t * 1000)), projects, flavorShares, meanDuration));
        }
        return jobs;
    }

    /**
     * Office traffic: pipelines (a push starts 2 to 8 jobs of one project within a minute) arriving as a Poisson
     * process whose rate follows the working day (8 to 19 on weekdays, nearly nothing at night), {@code
     * pipelinesPerHour} at its peak.
     */
    public static List<Job> bursty(long seed, int hours, double pipelinesPerHour, int projects,
            Map<String, Double> flavorShares, Duration meanDuration) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Job> jobs = new ArrayList<>();
        double t = 0;
        double end = hours * 3600.0;
        while (true) {
            // thinning: candidates at the peak rate, kept with the hour's share
            t += -Math.log(1 - random.nextDouble()) * 3600.0 / pipelinesPerHour;
            if (t >= end) {
                break;
            }
            Instant at = EPOCH.plusMillis((long) (t * 1000));
            if (random.nextDouble() > workload(at)) {
                continue;
            }
            String project = project(random, projects);
            int size = 2 + random.nextInt(7);
            for (int i = 0; i < size; i++) {
                Job job = job(random, at.plusMillis(random.nextInt(60_000)), projects, flavorShares, meanDuration);
                jobs.add(new Job(job.queuedAt(), project, job.flavor(), job.duration()));
            }
        }
        jobs.sort(Comparator.comparing(Job::queuedAt));
        return jobs;
    }

    /** The share of the peak rate at an instant: 1 in working hours on weekdays, 0.05 otherwise. */
    static double workload(Instant at) {
        var local = at.atZone(ZoneOffset.UTC);
        boolean weekday = local.getDayOfWeek().getValue() <= 5;
        int hour = local.getHour();
        return weekday && hour >= 8 && hour < 19 ? 1.0 : 0.05;
    }

    private static Job job(SplittableRandom random, Instant at, int projects, Map<String, Double> flavorShares,
            Duration meanDuration) {
        double sigma = 0.6;
        double mu = Math.log(meanDuration.toMillis() / 1000.0) - sigma * sigma / 2;
        double gaussian = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI
                * random.nextDouble());
        long seconds = Math.max(5, Math.round(Math.exp(mu + sigma * gaussian)));
        return new Job(at, project(random, projects), flavor(random, flavorShares), Duration.ofSeconds(seconds));
    }

    private static String project(SplittableRandom random, int projects) {
        int p = random.nextInt(projects);
        return "group" + (p % 3) + "/project" + p;
    }

    private static String flavor(SplittableRandom random, Map<String, Double> shares) {
        double total = shares.values().stream().mapToDouble(Double::doubleValue).sum();
        double pick = random.nextDouble() * total;
        for (Map.Entry<String, Double> share : shares.entrySet()) {
            pick -= share.getValue();
            if (pick <= 0) {
                return share.getKey();
            }
        }
        return shares.keySet().iterator().next();
    }
}
