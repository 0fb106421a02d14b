package org.cleverrunner.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.HostConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.cleverrunner.docker.TestDockerEngine.BUSYBOX;
import static org.cleverrunner.docker.TestDockerEngine.LABELS;

/** The test environment itself: a real engine, the local busybox image, containers, logs, networks. */
class DockerEngineIT {

    private static DockerClient docker;

    @BeforeAll
    static void connect() {
        docker = TestDockerEngine.connect();
    }

    @AfterAll
    static void close() {
        if (docker != null) {
            TestDockerEngine.closeQuietly(docker);
        }
    }

    @Test
    void pingsTheEngineAndFindsTheBusyboxImage() {
        docker.pingCmd().exec();
        try {
            assertThat(docker.inspectImageCmd(BUSYBOX).exec().getId()).startsWith("sha256:");
        } catch (NotFoundException e) {
            fail("image " + BUSYBOX + " is missing from the engine at " + TestDockerEngine.dockerHost()
                    + "; scripts/test-env.sh builds it", e);
        }
    }

    @Test
    void runsAContainerAndFollowsItsLogs() throws InterruptedException {
        String id = null;
        try {
            id = docker.createContainerCmd(BUSYBOX)
                    .withName(TestDockerEngine.uniqueName("cr-it-hello"))
                    .withLabels(LABELS)
                    .withCmd("sh", "-c", "echo hello from busybox")
                    .exec()
                    .getId();
            docker.startContainerCmd(id).exec();

            Integer status = docker.waitContainerCmd(id).start().awaitStatusCode(30, TimeUnit.SECONDS);
            assertThat(status).isZero();

            String logs = TestDockerEngine.followLogs(docker, id, Duration.ofSeconds(30));
            assertThat(logs).isEqualTo("hello from busybox\n");
        } finally {
            TestDockerEngine.removeContainerQuietly(docker, id);
        }
    }

    @Test
    void containersReachEachOtherByAliasOnAUserDefinedNetwork() throws InterruptedException {
        String networkName = TestDockerEngine.uniqueName("cr-it-net");
        String networkId = null;
        String server = null;
        String client = null;
        try {
            networkId = docker.createNetworkCmd()
                    .withName(networkName)
                    .withDriver("bridge")
                    .withLabels(LABELS)
                    .exec()
                    .getId();

            server = docker.createContainerCmd(BUSYBOX)
                    .withName(TestDockerEngine.uniqueName("cr-it-web"))
                    .withLabels(LABELS)
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode(networkName))
                    .withAliases("web")
                    .withCmd("sh", "-c",
                            "mkdir -p /www && echo hello over the network > /www/index.html"
                                    + " && exec httpd -f -p 8080 -h /www")
                    .exec()
                    .getId();
            docker.startContainerCmd(server).exec();

            client = docker.createContainerCmd(BUSYBOX)
                    .withName(TestDockerEngine.uniqueName("cr-it-wget"))
                    .withLabels(LABELS)
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode(networkName))
                    .withCmd("sh", "-c",
                            "for i in $(seq 1 50); do wget -qO- http://web:8080/ && exit 0; sleep 0.2; done; exit 1")
                    .exec()
                    .getId();
            docker.startContainerCmd(client).exec();

            Integer status = docker.waitContainerCmd(client).start().awaitStatusCode(60, TimeUnit.SECONDS);
            String logs = TestDockerEngine.followLogs(docker, client, Duration.ofSeconds(30));
            assertThat(status).as("wget exit status; its output: %s", logs).isZero();
            assertThat(logs).isEqualTo("hello over the network\n");
        } finally {
            TestDockerEngine.removeContainerQuietly(docker, client);
            TestDockerEngine.removeContainerQuietly(docker, server);
            TestDockerEngine.removeNetworkQuietly(docker, networkId);
        }
    }
}
