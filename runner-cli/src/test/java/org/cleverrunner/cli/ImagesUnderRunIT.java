package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.AuthConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.coordinator.payload.RegistryCredential;
import org.cleverrunner.docker.DockerConnector;
import org.cleverrunner.spi.Host;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images under {@code run}, the CLI as a process against the fake GitLab: config.toml's allow-list refuses an image
 * before anything is pulled, and a Docker Hub image comes through the group's Dependency Proxy (the test registry
 * playing it, under the path GitLab serves it at) with the payload's credentials for the proxy's host:port.
 */
class ImagesUnderRunIT {

    static final String TOKEN = "glrt-images" + Long.toHexString(System.nanoTime() & 0xfffff) + "x";

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    Process process;
    DockerClient docker;

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(5))
                .traceUpdateInterval(Duration.ofSeconds(1)).start();
        gitlab.addRunner(TOKEN, Set.of(), true);
        String dockerHost = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        docker = DockerConnector.defaults().connect(new Host("local", URI.create(dockerHost), null, null, Map.of()));
    }

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        gitlab.close();
        docker.close();
    }

    @Test
    void allowListsAndTheDependencyProxyAsConfigTomlSaysThem() throws Exception {
        String registry = System.getenv("CLEVER_RUNNER_TEST_REGISTRY");
        assertThat(registry).as("scripts/test.sh provides a private registry").isNotBlank();
        String user = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_USER");
        String password = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_PASSWORD");
        String prefix = registry + "/heptapod/dependency_proxy/containers";
        String tag = "run" + Long.toHexString(System.nanoTime() & 0xffffff);
        String proxied = prefix + "/library/busybox";
        docker.tagImageCmd(CliProcess.IMAGE, proxied, tag).exec();
        docker.pushImageCmd(proxied).withTag(tag).withAuthConfig(new AuthConfig().withRegistryAddress(registry)
                .withUsername(user).withPassword(password)).exec(new ResultCallback.Adapter<>()).awaitCompletion();
        docker.removeImageCmd(proxied + ":" + tag).exec();

        Path config = CliProcess.writeConfig(dir.resolve("config.toml"), 2, "images", gitlab.url(), TOKEN,
                CliProcess.journal(dir.resolve("journal.json")), "");
        // [runners.docker] is the file's last table
        Files.writeString(config, "dependency_proxy = true\nallowed_images = [\"busybox:*\", \"clever-runner/*:*\"]\n",
                StandardOpenOption.APPEND);
        JobHandle refused = gitlab.enqueue(Jobs.job("refused").image("alpine:3").variable("GIT_STRATEGY", "none")
                .script("echo never"));
        JobHandle through = gitlab.enqueue(Jobs.job("through").image("busybox:" + tag)
                .variable("GIT_STRATEGY", "none").variable("CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX", prefix)
                .credential(new RegistryCredential("registry", registry, user, password))
                .script("echo pulled through the proxy"));
        try {
            process = CliProcess.start(dir.resolve("runner.log"), "run", "--config", config.toString());

            JobView no = gitlab.awaitJob(refused.id(), Duration.ofSeconds(120));
            assertThat(no.finalState()).as(no.traceText()).isEqualTo(JobState.FAILED);
            assertThat(no.traceText()).contains("the image 'alpine:3' is not on the runner's allowed_images"
                    + " (busybox:*, clever-runner/*:*)").doesNotContain("Pulling docker image");

            JobView yes = gitlab.awaitJob(through.id(), Duration.ofSeconds(120));
            assertThat(yes.finalState()).as(yes.traceText() + CliProcess.read(dir.resolve("runner.log")))
                    .isEqualTo(JobState.SUCCESS);
            assertThat(yes.traceText()).contains("Using the Dependency Proxy: busybox:" + tag + " is " + proxied + ":"
                    + tag, "Authenticating with credentials from job payload (GitLab Registry)",
                    "pulled through the proxy").doesNotContain(password);
            assertThat(CliProcess.read(dir.resolve("runner.log"))).doesNotContain(password);
        } finally {
            try {
                docker.removeImageCmd(proxied + ":" + tag).withForce(true).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                // never pulled
            }
        }
    }

    @Test
    void theRunnerHostsDockerConfigAndItsCredentialStoreServeATlsRegistry() throws Exception {
        String registry = System.getenv("CLEVER_RUNNER_TEST_TLS_REGISTRY");
        assertThat(registry).as("scripts/test.sh provides a TLS registry").isNotBlank();
        String user = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_USER");
        String password = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_PASSWORD");
        String image = registry + "/test/busybox:1";
        // a runner host as `docker login` with a credential store leaves it: an empty auths entry, the secret in
        // the store's helper
        Path home = Files.createDirectories(dir.resolve("home/.docker")).getParent();
        Files.writeString(home.resolve(".docker/config.json"), "{\"auths\": {\"" + registry + "\": {}},"
                + " \"credsStore\": \"clever-test\"}");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path helper = bin.resolve("docker-credential-clever-test");
        Files.writeString(helper, "#!/bin/sh\nread -r server\ncase \"$1\" in\n list) echo '{}' ;;\n get) [ \"$server\" = "
                + registry + " ] || { echo 'credentials not found in native keychain'; exit 1; }\n echo '{\"Username\":"
                + " \"" + user + "\", \"Secret\": \"" + password + "\"}' ;;\nesac\n");
        Files.setPosixFilePermissions(helper, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path config = CliProcess.writeConfig(dir.resolve("config.toml"), 1, "images", gitlab.url(), TOKEN,
                CliProcess.journal(dir.resolve("journal.json")), "");
        JobHandle job = gitlab.enqueue(Jobs.job("tls").image(image).variable("GIT_STRATEGY", "none")
                .script("echo pulled over tls with the store"));
        try {
            process = CliProcess.start(dir.resolve("runner.log"), Map.of("HOME", home.toString(),
                    "PATH", bin + ":" + System.getenv("PATH")), java.util.List.of(), "run", "--config",
                    config.toString());

            JobView done = gitlab.awaitJob(job.id(), Duration.ofSeconds(120));
            assertThat(done.finalState()).as(done.traceText() + CliProcess.read(dir.resolve("runner.log")))
                    .isEqualTo(JobState.SUCCESS);
            assertThat(done.traceText()).contains("Authenticating with credentials from "
                    + home.resolve(".docker/config.json") + " (docker-credential-clever-test)",
                    "pulled over tls with the store").doesNotContain(password);
            assertThat(CliProcess.read(dir.resolve("runner.log"))).doesNotContain(password);
        } finally {
            try {
                docker.removeImageCmd(image).withForce(true).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                // never pulled
            }
        }
    }
}
