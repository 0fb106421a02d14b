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
 * {@code cpus}, {@code shm_size}, {@code dns}, {@code dns_search}, {@code extra_hosts}; and {@code services_limit},
 * the most services a job may start. Sizes and CPUs are read as GitLab Runner reads them ({@code 128m}, {@code 2g},
 * {@code 1.5}); zero or empty means the Engine's default.
 *
 * @param servicesLimit the most services a job may have, -1 for no limit
 */
public record ContainerLimits(long memory, long memorySwap, long memoryReservation, long nanoCpus, long shmSize,
        List<String> dns, List<String> dnsSearch, List<String> extraHosts, int servicesLimit) {

    /** The Engine's defaults, any number of services. */
    public static final ContainerLimits NONE = new ContainerLimits(0, 0, 0, 0, 0, List.of(), List.of(), List.of(), -1);

    /** Docker's floor for a container's memory. */
    static final long MIN_MEMORY = 6L * 1024 * 1024;

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmgt]?)b?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");

    public ContainerLimits {
        dns = List.copyOf(dns == null ? List.of() : dns);
        dnsSearch = List.copyOf(dnsSearch == null ? List.of() : dnsSearch);
        extraHosts = List.copyOf(extraHosts == null ? List.of() : extraHosts);
        if (memory != 0 && memory < MIN_MEMORY) {
            throw new IllegalArgumentException("memory must be at least 6m (Docker's floor), got " + memory + " bytes");
        }
        if (memoryReservation < 0 || nanoCpus < 0 || shmSize < 0 || memory < 0 || memorySwap < -1) {
            throw new IllegalArgumentException("sizes and CPUs must not be negative (memory_swap: -1 for unlimited)");
        }
        if (memorySwap > 0 && memory == 0) {
            throw new IllegalArgumentException("memory_swap needs memory");
        }
        if (memorySwap > 0 && memorySwap < memory) {
            throw new IllegalArgumentException("memory_swap (memory plus swap) must be at least memory");
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
     * The settings {@code memory}, {@code memory-swap}, {@code memory-reservation}, {@code cpus}, {@code shm-size}
     * (bytes, or a size), {@code dns}, {@code dns-search}, {@code extra-hosts} (one item per line) and {@code services-limit}.
     *
     * @throws IllegalArgumentException naming the setting that cannot be read
     */
    public static ContainerLimits from(ProviderSettings settings) {
        return new ContainerLimits(size(settings, "memory"), swap(settings), size(settings, "memory-reservation"),
                cpus(settings.get("cpus").orElse(null)), size(settings, "shm-size"),
                lines(settings, "dns"), lines(settings, "dns-search"), lines(settings, "extra-hosts"),
                settings.getInt("services-limit").orElse(-1));
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

    private static long swap(ProviderSettings settings) {
        String text = settings.get("memory-swap").orElse(null);
        return text != null && text.strip().equals("-1") ? -1 : size(settings, "memory-swap");
    }

    private static List<String> lines(ProviderSettings settings, String key) {
        return settings.get(key).map(value -> value.lines().map(String::strip).filter(line -> !line.isEmpty())
                .toList()).orElse(List.of());
    }

    private static String quote(String text) {
        return "\"" + text + "\"";
    }
}
