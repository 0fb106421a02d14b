package org.cleverrunner.docker;

import com.github.dockerjava.api.DockerClient;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Endpoint validation, without any engine: nothing is sent before the first call. */
class DockerConnectorTest {

    private final DockerConnector connector = DockerConnector.defaults();

    private static Host host(String uri, String token) {
        return new Host("h1", URI.create(uri), token == null ? null : Secret.of(token), null, Map.of());
    }

    @Test
    void acceptsEverySupportedEndpoint() throws Exception {
        for (Host host : new Host[] {
                host("unix:///var/run/docker.sock", null),
                host("tcp://127.0.0.1:2375", null),
                host("https://gateway.example.com", "s3cret"),
                host("https://gateway.example.com:8443/docker/", "s3cret"),
                host("http://127.0.0.1:8080", "s3cret")}) {
            try (DockerClient client = connector.connect(host)) {
                assertThat(client).isNotNull();
            }
        }
    }

    @Test
    void refusesPlainTcpOrHttpBeyondLoopback() {
        assertThatThrownBy(() -> connector.connect(host("tcp://192.0.2.1:2375", null)))
                .isInstanceOf(DockerExecutorException.class).hasMessageContaining("loopback");
        assertThatThrownBy(() -> connector.connect(host("http://192.0.2.1:8080", "s3cret")))
                .isInstanceOf(DockerExecutorException.class).hasMessageContaining("loopback");
    }

    @Test
    void aGatewayNeedsTheAccessTokenAndNeverPrintsIt() {
        assertThatThrownBy(() -> connector.connect(host("https://gateway.example.com", null)))
                .isInstanceOf(DockerExecutorException.class).hasMessageContaining("access token");
        assertThatThrownBy(() -> connector.connect(host("ftp://gateway.example.com", "s3cret")))
                .isInstanceOf(DockerExecutorException.class)
                .hasMessageContaining("Unsupported")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void tlsDirectoryMustHoldTheThreeFiles() {
        assertThatThrownBy(() -> DockerConnector.builder().tlsCertPath(java.nio.file.Path.of("/nonexistent")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ca.pem");
    }
}
