package org.cleverrunner.clevercloud.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.cleverrunner.spi.FlavoredProvisioner;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.ProvisionerFactory;
import org.cleverrunner.spi.Providers;
import org.cleverrunner.spi.ReapingProvisioner;
import org.cleverrunner.spi.RunnerSpiException;
import org.junit.jupiter.api.Test;

class CleverCloudProvisionerFactoryTest {

    @Test
    void isFoundByServiceLoaderAndOffersFlavorsAndReaping() {
        ProvisionerFactory factory = Providers.find(ProvisionerFactory.class, "clever-cloud",
                getClass().getClassLoader());
        var provisioner = factory.create(new ProviderSettings("runners[0].provisioners.clever-cloud",
                Map.of("organisation", "orga_1", "token", "oauth-token", "secret", "oauth-secret",
                        "price.xl", "1.5")));
        assertThat(provisioner).isInstanceOf(FlavoredProvisioner.class).isInstanceOf(ReapingProvisioner.class);
        assertThat(((FlavoredProvisioner) provisioner).defaultFlavor()).isEqualTo("M");
    }

    @Test
    void missingOrBadSettingsNameTheKey() {
        CleverCloudProvisionerFactory factory = new CleverCloudProvisionerFactory();
        assertThatThrownBy(() -> factory.create(new ProviderSettings("runners[0].provisioners.clever-cloud",
                Map.of("token", "t", "secret", "s")))).isInstanceOf(RunnerSpiException.class)
                .hasMessageContaining("'runners[0].provisioners.clever-cloud.organisation'");
        assertThatThrownBy(() -> factory.create(new ProviderSettings("runners[0].provisioners.clever-cloud",
                Map.of("organisation", "orga_1", "token", "t", "secret", "s", "price.XL", "cheap"))))
                .hasMessageContaining("'runners[0].provisioners.clever-cloud.price.XL' must be a number");
        assertThatThrownBy(() -> factory.create(new ProviderSettings("p", Map.of("organisation", "orga_1",
                "token", "t", "secret", "s", "name-prefix", "../Evil")))).hasMessageContaining("name prefix");
    }

    @Test
    void printableNeverEchoesControlCharactersOrLongValues() {
        assertThat(CleverCloudProvisioner.printable("XL\u0007\n../../etc")).isEqualTo("XL??../../etc");
        assertThat(CleverCloudProvisioner.printable("A".repeat(500))).hasSize(21);
    }
}
