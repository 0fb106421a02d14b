package org.cleverrunner.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.time.Duration;
import org.cleverrunner.spi.Host;

/** Docker clients for a host's endpoint (unix socket or tcp). */
final class DockerClients {

    private DockerClients() {
    }

    static DockerClient connect(Host host) {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host.dockerEndpoint().toString()).withDockerTlsVerify(false).build();
        var http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .connectionTimeout(Duration.ofSeconds(30)).responseTimeout(Duration.ofHours(24)).build();
        return DockerClientImpl.getInstance(config, http);
    }
}
