package org.cleverrunner.clevercloud.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Providers;
import org.cleverrunner.spi.RunnerSpiException;
import org.cleverrunner.spi.VmBackend;
import org.cleverrunner.spi.VmBackendFactory;
import org.junit.jupiter.api.Test;

class CleverCloudBackendFactoryTest {

    @Test
    void isFoundByServiceLoaderAsAVmBackend() {
        VmBackendFactory factory = Providers.find(VmBackendFactory.class, "clever-cloud",
                getClass().getClassLoader());
        VmBackend backend = factory.create(new ProviderSettings("runners[0].provisioners.clever-cloud",
                Map.of("organisation", "orga_1", "token", "oauth-token", "secret", "oauth-secret",
                        "price.xl", "1.5")));
        assertThat(backend).isInstanceOf(CleverCloudBackend.class);
        assertThat(backend.defaultFlavor()).isEqualTo("M");
    }

    @Test
    void missingOrBadSettingsNameTheKey() {
        CleverCloudBackendFactory factory = new CleverCloudBackendFactory();
        assertThatThrownBy(() -> factory.create(new ProviderSettings("runners[0].provisioners.clever-cloud",
                Map.of("token", "t", "secret", "s")))).isInstanceOf(RunnerSpiException.class)
                .hasMessageContaining("'runners[0].provisioners.clever-cloud.organisation'");
        assertThatThrownBy(() -> factory.create(new ProviderSettings("runners[0].provisioners.clever-cloud",
                Map.of("organisation", "orga_1", "token", "t", "secret", "s", "price.XL", "cheap"))))
                .hasMessageContaining("'runners[0].provisioners.clever-cloud.price.XL' must be a number");
    }
}
