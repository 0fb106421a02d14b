package org.cleverrunner.cli.metrics;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code process_*} families of Prometheus' standard process collector, which gitlab-runner exports (from the
 * Go client) and its dashboards read: CPU seconds, open and maximum file descriptors, resident and virtual
 * memory, start time. Micrometer names its own process meters differently ({@code process_cpu_usage},
 * {@code process_files_open_files}), so these are written here in the text format; the JVM's own meters
 * (memory pools, GC, threads, classes) come from Micrometer's binders beside them.
 */
public final class ProcessMetrics {

    private final Path status;

    public ProcessMetrics() {
        this(Path.of("/proc/self/status"));
    }

    /** @param status a Linux {@code /proc/<pid>/status} file (its VmSize and VmRSS lines, in kB) */
    ProcessMetrics(Path status) {
        this.status = status;
    }

    /** The families, in the text exposition format; those the platform cannot tell are left out. */
    public String scrape() {
        StringBuilder out = new StringBuilder();
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun && sun.getProcessCpuTime() >= 0) {
            family(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
                    sun.getProcessCpuTime() / 1e9);
        }
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            family(out, "process_open_fds", "gauge", "Number of open file descriptors.",
                    unix.getOpenFileDescriptorCount());
            family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
                    unix.getMaxFileDescriptorCount());
        }
        Map<String, Long> sizes = memorySizes();
        if (sizes.containsKey("VmSize")) {
            family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
                    sizes.get("VmSize"));
        }
        if (sizes.containsKey("VmRSS")) {
            family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                    sizes.get("VmRSS"));
        }
        family(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
                ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0);
        return out.toString();
    }

    /** VmSize and VmRSS of the status file, in bytes; empty off Linux. */
    private Map<String, Long> memorySizes() {
        Map<String, Long> sizes = new HashMap<>();
        try {
            for (String line : Files.readAllLines(status)) {
                String[] fields = line.split("\\s+");
                if (fields.length == 3 && (fields[0].equals("VmSize:") || fields[0].equals("VmRSS:"))
                        && fields[2].equals("kB")) {
                    sizes.put(fields[0].substring(0, fields[0].length() - 1), Long.parseLong(fields[1]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return sizes;
    }

    private static void family(StringBuilder out, String name, String type, String help, double value) {
        TextFormat.family(out, name, type, help);
        out.append(name).append(' ').append(TextFormat.number(value)).append('\n');
    }
}
