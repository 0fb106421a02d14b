package org.cleverrunner.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ProviderSettingsTest {

    @Test
    void settingsAreTheirValuesWhereverTheyWereWritten() {
        ProviderSettings first = new ProviderSettings("runners[0].docker", Map.of("memory", "1g"));
        ProviderSettings moved = new ProviderSettings("runners[1].docker", Map.of("memory", "1g"));
        ProviderSettings other = new ProviderSettings("runners[0].docker", Map.of("memory", "2g"));

        assertThat(first).isEqualTo(moved).hasSameHashCodeAs(moved).isNotEqualTo(other);
        // the prefix still names the key in messages
        assertThatThrownBy(() -> moved.require("cpus")).hasMessageContaining("runners[1].docker");
    }
}
