package org.cleverrunner.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void durationsReadAsInGitLabCiYaml() {
        assertThat(Durations.human(Duration.ofSeconds(5))).isEqualTo("5s");
        assertThat(Durations.human(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThat(Durations.human(Duration.ofMinutes(90))).isEqualTo("1h30m");
        assertThat(Durations.human(Duration.ofSeconds(7205))).isEqualTo("2h5s");
        assertThat(Durations.human(Duration.ZERO)).isEqualTo("0s");
        assertThat(Durations.human(Duration.ofMillis(2500))).isEqualTo("2s");
        assertThat(Durations.human(Duration.ofSeconds(-300))).isEqualTo("-5m");
    }
}
