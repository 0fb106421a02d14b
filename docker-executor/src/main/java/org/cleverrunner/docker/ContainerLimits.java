package org.cleverrunner.docker;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cleverrunner.spi.ProviderSettings;

/**
 * What GitLab Runner's {@code [runners.docker]} resource and name-resolution keys give a job's own containers (the
 * stage containers, not its services): {@code memory}, {@code memory_swap}, {@code memory_reservation},
 * {@code cpus}, {@code cpuset_cpus}, {@code cpuset_mems}, {@code cpu_shares}, {@code shm_size}, {@code dns},
 * {@code dns_search}, {@code extra_hosts}; {@code services_limit}, the most services a job may start; and the
 * {@code service_*} keys for its service containers ({@link ServiceLimits}). Sizes and CPUs are read as GitLab Runner
 * reads them ({@code 128m}, {@code 2g}, {@code 1.5}); zero or empty means the Engine's default.
 *
 * @param cpusetCpus    the CPUs the containers may use ({@code 0-3}, {@code 0,2}), empty for any
 * @param cpusetMems    the NUMA memory nodes they may use, empty for any
 * @param cpuShares     the relative CPU weight (Docker's default is 1024), 0 for the default
 * @param servicesLimit the most services a job may have, -1 for no limit
 * @param services      the limits of the job's service containers
 */
public record ContainerLimits(long memory, long memorySwap, long memoryReservation, long nanoCpus,
        String cpusetCpus, String cpusetMems, long cpuShares, long shmSize, List<String> dns, List<String> dnsSearch,
        List<String> extraHosts, int servicesLimit, ServiceLimits services) {

    /** The Engine's defaults, any number of services. */
    public static final ContainerLimits NONE = new ContainerLimits(0, 0, 0, 0, "", "", 0, 0, List.of(), List.of(),
            List.of(), -1, ServiceLimits.NONE);

    /**
     * GitLab Runner's {@code service_memory}, {@code service_memory_swap}, {@code service_memory_reservation},
     * {@code service_cpus}, {@code service_cpuset_cpus} and {@code service_cpu_shares}: what its docker executor
     * gives each service container (it has no service_cpuset_mems).
     */
    public record ServiceLimits(long memory, long memorySwap, long memoryReservation, long nanoCpus,
            String cpusetCpus, long cpuShares) {

        /** The Engine's defaults. */
        public static final ServiceLimits NONE = new ServiceLimits(0, 0, 0, 0, "", 0);

        public ServiceLimits {
            cpusetCpus = cpusetCpus == null ? "" : cpusetCpus.strip();
            checkResources("service_", memory, memorySwap, memoryReservation, nanoCpus, cpuShares);
            checkCpuset("service_cpuset_cpus", cpusetCpus);
        }
    }

    /** The job containers' memory and CPU keys, in the shape the service containers' own take. */
    public ServiceLimits resources() {
        return new ServiceLimits(memory, memorySwap, memoryReservation, nanoCpus, cpusetCpus, cpuShares);
    }

    /** Docker's floor for a container's memory. */
    static final long MIN_MEMORY = 6L * 1024 * 1024;

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmgt]?)b?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");
    /** The cgroup cpuset list syntax Docker takes: numbers and ranges, comma-separated. */
    private static final Pattern CPUSET = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");

    public ContainerLimits {
        dns = List.copyOf(dns == null ? List.of() : dns);
        dnsSearch = List.copyOf(dnsSearch == null ? List.of() : dnsSearch);
        extraHosts = List.copyOf(extraHosts == null ? List.of() : extraHosts);
        cpusetCpus = cpusetCpus == null ? "" : cpusetCpus.strip();
        cpusetMems = cpusetMems == null ? "" : cpusetMems.strip();
        services = services == null ? ServiceLimits.NONE : services;
        checkResources("", memory, memorySwap, memoryReservation, nanoCpus, cpuShares);
        checkCpuset("cpuset_cpus", cpusetCpus);
        checkCpuset("cpuset_mems", cpusetMems);
        if (shmSize < 0) {
            throw new IllegalArgumentException("shm_size must not be negative");
        }
        if (servicesLimit < -1) {
            throw new IllegalArgumentException("services_limit must be -1 (no limit) or more, got " + servicesLimit);
        }
        for (String server : dns) {
            if (!IPV4.matcher(server).matches() && !IPV6.matcher(server).matches()) {
                throw new IllegalArgumentException("dns: " + server + " is not an IP address");
            }
        }
        for (String entry : extraHosts) {
            int colon = entry.indexOf(':');
            if (colon <= 0 || !HOST.matcher(entry.substring(0, colon)).matches()
                    || !(IPV4.matcher(entry.substring(colon + 1)).matches()
                    || IPV6.matcher(entry.substring(colon + 1)).matches() || entry.endsWith(":host-gateway"))) {
                throw new IllegalArgumentException("extra_hosts: " + entry + " is not host:ip");
            }
        }
    }

    /**
     * The settings {@code memory}, {@code memory-swap}, {@code memory-reservation}, {@code cpus}, {@code cpuset-cpus},
     * {@code cpuset-mems}, {@code cpu-shares}, {@code shm-size} (bytes, or a size), {@code dns}, {@code dns-search},
     * {@code extra-hosts} (one item per line), {@code services-limit}, and {@code service-memory},
     * {@code service-memory-swap}, {@code service-memory-reservation}, {@code service-cpus},
     * {@code service-cpuset-cpus}, {@code service-cpu-shares}.
     *
     * @throws IllegalArgumentException naming the setting that cannot be read
     */
    public static ContainerLimits from(ProviderSettings settings) {
        ServiceLimits services = new ServiceLimits(size(settings, "service-memory"), swap(settings, "service-"),
                size(settings, "service-memory-reservation"), cpus(settings.get("service-cpus").orElse(null)),
                settings.get("service-cpuset-cpus").orElse(""), shares(settings, "service-cpu-shares"));
        return new ContainerLimits(size(settings, "memory"), swap(settings, ""), size(settings, "memory-reservation"),
                cpus(settings.get("cpus").orElse(null)), settings.get("cpuset-cpus").orElse(""),
                settings.get("cpuset-mems").orElse(""), shares(settings, "cpu-shares"), size(settings, "shm-size"),
                lines(settings, "dns"), lines(settings, "dns-search"), lines(settings, "extra-hosts"),
                settings.getInt("services-limit").orElse(-1), services);
    }

    /** The memory and CPU checks of the job's containers and of its services ({@code prefix} "service_"). */
    private static void checkResources(String prefix, long memory, long memorySwap, long memoryReservation,
            long nanoCpus, long cpuShares) {
        if (memory != 0 && memory < MIN_MEMORY) {
            throw new IllegalArgumentException(prefix + "memory must be at least 6m (Docker's floor), got " + memory
                    + " bytes");
        }
        if (memoryReservation < 0 || nanoCpus < 0 || memory < 0 || memorySwap < -1 || cpuShares < 0) {
            throw new IllegalArgumentException("sizes, CPUs and CPU shares must not be negative (" + prefix
                    + "memory_swap: -1 for unlimited)");
        }
        if (memorySwap > 0 && memory == 0) {
            throw new IllegalArgumentException(prefix + "memory_swap needs " + prefix + "memory");
        }
        if (memorySwap > 0 && memorySwap < memory) {
            throw new IllegalArgumentException(prefix + "memory_swap (memory plus swap) must be at least " + prefix
                    + "memory");
        }
    }

    private static void checkCpuset(String key, String value) {
        if (!value.isEmpty() && !CPUSET.matcher(value).matches()) {
            throw new IllegalArgumentException(key + ": " + quote(value) + " is not a list of CPUs or nodes such as"
                    + " \"0-3\" or \"0,2\"");
        }
    }

    private static long shares(ProviderSettings settings, String key) {
        String text = settings.get(key).orElse(null);
        if (text == null || text.isBlank()) {
            return 0;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": " + quote(text) + " is not a number of CPU shares such as"
                    + " 512");
        }
    }

    /** A size as GitLab Runner and Docker read it: a number with an optional b, k, m, g or t (and b) suffix. */
    public static long bytes(String text) {
        Matcher size = SIZE.matcher(text.strip());
        if (!size.matches()) {
            throw new IllegalArgumentException(quote(text) + " is not a size such as 512m or 2g");
        }
        int shift = switch (size.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        return new BigDecimal(size.group(1)).multiply(BigDecimal.valueOf(1L << shift)).longValue();
    }

    /** CPUs as a decimal ({@code 1.5}) in billionths, as the Engine's NanoCpus. */
    public static long cpus(String text) {
        if (text == null || text.isBlank()) {
            return 0;
        }
        try {
            BigDecimal cpus = new BigDecimal(text.strip());
            if (cpus.signum() < 0) {
                throw new NumberFormatException();
            }
            return cpus.movePointRight(9).longValue();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cpus: " + quote(text) + " is not a number of CPUs such as 1.5");
        }
    }

    private static long size(ProviderSettings settings, String key) {
        String text = settings.get(key).orElse(null);
        if (text == null || text.isBlank()) {
            return 0;
        }
        try {
            return bytes(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage());
        }
    }

    private static long swap(ProviderSettings settings, String prefix) {
        String text = settings.get(prefix + "memory-swap").orElse(null);
        return text != null && text.strip().equals("-1") ? -1 : size(settings, prefix + "memory-swap");
    }

    private static List<String> lines(ProviderSettings settings, String key) {
        return settings.get(key).map(value -> value.lines().map(String::strip).filter(line -> !line.isEmpty())
                .toList()).orElse(List.of());
    }

    private static String quote(String text) {
        return "\"" + text + "\"";
    }
}
