package org.cleverrunner.cli.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standard process collector's families, as gitlab-runner's dashboards read them. */
class ProcessMetricsTest {

    @TempDir
    Path dir;

    @Test
    void memoryComesFromTheStatusFileInBytesAndEveryFamilyHasItsType() throws Exception {
        Path status = Files.writeString(dir.resolve("status"), "Name:\tjava\nVmPeak:\t 9000 kB\nVmSize:\t  4096 kB\n"
                + "VmRSS:\t  1024 kB\nThreads:\t30\n");

        String text = new ProcessMetrics(status).scrape();

        assertThat(text).contains("# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes 4194304\n")
                .contains("# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 1048576\n")
                .containsPattern("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total [0-9.]+\n")
                .containsPattern("\nprocess_open_fds [1-9][0-9]*\n").containsPattern("\nprocess_max_fds [1-9][0-9]*\n")
                .containsPattern("\nprocess_start_time_seconds 1[0-9]{9}(\\.[0-9]+)?\n");
    }

    @Test
    void withoutAStatusFileTheMemoryFamiliesAreLeftOut() {
        String text = new ProcessMetrics(dir.resolve("absent")).scrape();

        assertThat(text).doesNotContain("memory_bytes").contains("process_start_time_seconds");
    }
}
