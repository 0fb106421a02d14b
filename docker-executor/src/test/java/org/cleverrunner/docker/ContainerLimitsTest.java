package org.cleverrunner.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.cleverrunner.spi.ProviderSettings;
import org.junit.jupiter.api.Test;

class ContainerLimitsTest {

    @Test
    void sizesAndCpusAreReadAsGitLabRunnerAndDockerReadThem() {
        assertThat(ContainerLimits.bytes("128m")).isEqualTo(128L << 20);
        assertThat(ContainerLimits.bytes("2G")).isEqualTo(2L << 30);
        assertThat(ContainerLimits.bytes("512mb")).isEqualTo(512L << 20);
        assertThat(ContainerLimits.bytes("300000")).isEqualTo(300_000);
        assertThat(ContainerLimits.bytes("1.5g")).isEqualTo(3L << 29);
        assertThat(ContainerLimits.cpus("1.5")).isEqualTo(1_500_000_000L);
        assertThat(ContainerLimits.cpus("2")).isEqualTo(2_000_000_000L);
        assertThatThrownBy(() -> ContainerLimits.bytes("lots")).hasMessageContaining("\"lots\" is not a size");
        assertThatThrownBy(() -> ContainerLimits.cpus("-1")).hasMessageContaining("not a number of CPUs");
    }

    @Test
    void settingsThatCannotHoldAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> ContainerLimits.from(settings(Map.of("memory", "1m"))))
                .hasMessageContaining("at least 6m");
        assertThatThrownBy(() -> ContainerLimits.from(settings(Map.of("memory", "64m", "memory-swap", "32m"))))
                .hasMessageContaining("memory_swap");
        assertThatThrownBy(() -> ContainerLimits.from(settings(Map.of("dns", "8.8.8.8\nresolver.example"))))
                .hasMessageContaining("resolver.example is not an IP address");
        assertThatThrownBy(() -> ContainerLimits.from(settings(Map.of("extra-hosts", "db.internal"))))
                .hasMessageContaining("db.internal is not host:ip");
        assertThat(ContainerLimits.from(settings(Map.of("memory", "64m", "memory-swap", "-1", "extra-hosts",
                "db:10.0.0.2\nv6:fe80::1", "services-limit", "2")))).satisfies(limits -> {
                    assertThat(limits.memorySwap()).isEqualTo(-1);
                    assertThat(limits.extraHosts()).containsExactly("db:10.0.0.2", "v6:fe80::1");
                    assertThat(limits.servicesLimit()).isEqualTo(2);
                });
        assertThat(ContainerLimits.from(ProviderSettings.empty())).isEqualTo(ContainerLimits.NONE);
    }

    @Test
    void cpusetsSharesAndTheServicesOwnLimitsAreReadAndCheckedAsGitLabRunnersKeys() {
        ContainerLimits limits = ContainerLimits.from(settings(Map.of("cpuset-cpus", "0-1", "cpuset-mems", "0",
                "cpu-shares", "512", "service-memory", "48m", "service-memory-swap", "-1",
                "service-memory-reservation", "32m", "service-cpus", "0.25", "service-cpuset-cpus", "0,1",
                "service-cpu-shares", "256")));
        assertThat(limits.cpusetCpus()).isEqualTo("0-1");
        assertThat(limits.cpusetMems()).isEqualTo("0");
        assertThat(limits.cpuShares()).isEqualTo(512);
        assertThat(limits.services()).isEqualTo(new ContainerLimits.ServiceLimits(48L << 20, -1, 32L << 20,
                250_000_000L, "0,1", 256));
        // the job's own limits stay the Engine's defaults: service_* are for services only
        assertThat(limits.memory()).isZero();
        assertThat(limits.nanoCpus()).isZero();

        assertThatThrownBy(() -> ContainerLimits.from(settings(Map.of("cpuset-cpus", "0:3"))))
                .hasMessage("cpuset_cpus: \"0:3\" is not a list of CPUs or nodes such as \"0-3\" or \"0,2\"");
        assertThatThrownBy(() -> ContainerLimits.from(settings(Map.of("service-cpuset-cpus", "all"))))
                .hasMessageStartingWith("service_cpuset_cpus: \"all\"");
        assertThatThrownBy(() -> ContainerLimits.from(settings(Map.of("cpu-shares", "many"))))
                .hasMessageStartingWith("cpu-shares: \"many\" is not a number of CPU shares");
        assertThatThrownBy(() -> ContainerLimits.from(settings(Map.of("service-memory", "1m"))))
                .hasMessageStartingWith("service_memory must be at least 6m");
        assertThatThrownBy(() -> ContainerLimits.from(settings(Map.of("service-memory-swap", "64m"))))
                .hasMessage("service_memory_swap needs service_memory");
    }

    private static ProviderSettings settings(Map<String, String> values) {
        return new ProviderSettings("runners[0].docker", values);
    }
}
