package org.cleverrunner.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvidersTest {

    public static final class StaticPool implements ProvisionerFactory {
        @Override
        public String id() {
            return "static-pool";
        }

        @Override
        public Provisioner create(ProviderSettings settings) {
            URI endpoint = URI.create(settings.require("endpoint"));
            return new Provisioner() {
                @Override
                public Host acquire(HostRequest request) {
                    return new Host("pool-1", endpoint, null, request.flavor(), Map.of());
                }

                @Override
                public void release(Host host) {
                }
            };
        }
    }

    public static final class Bare implements ProvisionerFactory {
        @Override
        public String id() {
            return "bare";
        }

        @Override
        public Provisioner create(ProviderSettings settings) {
            throw new UnsupportedOperationException("not used");
        }
    }

    /** Claims the same id as {@link StaticPool}. */
    public static final class Impostor implements ProvisionerFactory {
        @Override
        public String id() {
            return "static-pool";
        }

        @Override
        public Provisioner create(ProviderSettings settings) {
            throw new UnsupportedOperationException("not used");
        }
    }

    ClassLoader loader = getClass().getClassLoader();

    @Test
    void discoversProvidersById() throws Exception {
        assertThat(Providers.discover(ProvisionerFactory.class, loader)).containsOnlyKeys("static-pool", "bare");

        ProvisionerFactory factory = Providers.find(ProvisionerFactory.class, "static-pool", loader);
        Host host = factory.create(new ProviderSettings("runners.provisioner", Map.of("endpoint", "tcp://h:2376")))
                .acquire(new HostRequest("abc123", 7, "M", null));
        assertThat(host.dockerEndpoint()).hasToString("tcp://h:2376");
        assertThat(host.flavor()).isEqualTo("M");
    }

    @Test
    void unknownIdListsTheAvailableOnes() {
        assertThatThrownBy(() -> Providers.find(ProvisionerFactory.class, "openstack", loader))
                .isInstanceOfSatisfying(UnknownProviderException.class,
                        e -> assertThat(e.available()).containsExactly("bare", "static-pool"))
                .hasMessage("no provisioner with id 'openstack'; available: bare, static-pool");
        assertThatThrownBy(() -> Providers.find(CacheStoreFactory.class, "s3", loader))
                .hasMessageContaining("no cache store with id 's3'; available: none");
    }

    @Test
    void explicitInstanceWinsThenConfiguredIdThenDefault() {
        ProvisionerFactory explicit = new Bare();
        assertThat(Providers.select(ProvisionerFactory.class, explicit, "static-pool", "bare", loader))
                .isSameAs(explicit);
        assertThat(Providers.select(ProvisionerFactory.class, null, "static-pool", "bare", loader).id())
                .isEqualTo("static-pool");
        assertThat(Providers.select(ProvisionerFactory.class, null, " ", "bare", loader).id()).isEqualTo("bare");
    }

    @Test
    void twoProvidersWithOneIdAreRefused(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/org.cleverrunner.spi.ProvisionerFactory");
        Files.createDirectories(services.getParent());
        Files.writeString(services, Impostor.class.getName() + "\n");
        try (URLClassLoader withImpostor = new URLClassLoader(new URL[] {dir.toUri().toURL()}, loader)) {
            assertThatThrownBy(() -> Providers.discover(ProvisionerFactory.class, withImpostor))
                    .isInstanceOf(DuplicateProviderException.class)
                    .hasMessageContaining("'static-pool'")
                    .hasMessageContaining(StaticPool.class.getName())
                    .hasMessageContaining(Impostor.class.getName());
        }
    }

    @Test
    void settingsNameTheOffendingKeyAndMaskSecrets() {
        ProviderSettings settings = new ProviderSettings("runners.clever-cloud", Map.of("boot-timeout", "5m",
                "max", "x", "api-token", "hunter2", "bad-duration", "soon"));
        assertThat(settings.getDuration("boot-timeout")).contains(Duration.ofMinutes(5));
        assertThat(settings.getDuration("missing")).isEmpty();
        assertThatThrownBy(() -> settings.getInt("max")).hasMessageContaining("'runners.clever-cloud.max'");
        assertThatThrownBy(() -> settings.getDuration("bad-duration"))
                .hasMessageContaining("'runners.clever-cloud.bad-duration'");
        assertThatThrownBy(() -> settings.require("zone")).hasMessage("missing setting 'runners.clever-cloud.zone'");
        assertThat(settings.toString()).doesNotContain("hunter2").contains("boot-timeout=5m");
        assertThat(Secret.of("hunter2").toString()).isEqualTo("[MASKED]");
        assertThat(Secret.of("hunter2").reveal()).isEqualTo("hunter2");
    }

    @Test
    void kindNamesReadWell() {
        assertThat(Providers.kind(ProvisionerFactory.class)).isEqualTo("provisioner");
        assertThat(Providers.kind(CacheStoreFactory.class)).isEqualTo("cache store");
    }
}
