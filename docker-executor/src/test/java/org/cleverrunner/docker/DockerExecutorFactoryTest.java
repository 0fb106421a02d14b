package org.cleverrunner.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.cleverrunner.spi.ExecutorFactory;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Providers;
import org.cleverrunner.spi.RunnerSpiException;
import org.junit.jupiter.api.Test;

class DockerExecutorFactoryTest {

    @Test
    void isFoundByServiceLoaderAsDocker() {
        ExecutorFactory factory = Providers.find(ExecutorFactory.class, "docker", getClass().getClassLoader());
        assertThat(factory).isInstanceOf(DockerExecutorFactory.class);
        assertThat(factory.create(new ProviderSettings("runners.docker", Map.of("service-wait-timeout", "5s"))))
                .isInstanceOf(DockerExecutor.class);
    }

    @Test
    void badSettingsNameTheKey() {
        assertThatThrownBy(() -> new DockerExecutorFactory().create(new ProviderSettings("runners.docker",
                Map.of("stop-timeout", "soonish")))).isInstanceOf(RunnerSpiException.class)
                .hasMessageContaining("'runners.docker.stop-timeout'");
    }
}
