package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator that does not answer when {@code run} starts, the CLI as a process: the runner starts anyway with a
 * warning naming it, the other GitLab's runner takes its jobs meanwhile, and once the first coordinator answers its
 * jobs are taken too.
 */
class UnreachableAtStartIT {

    static final String IMAGE = "clever-runner/busybox:latest";

    @TempDir
    Path dir;
    FakeCoordinator up;
    FakeCoordinator later;
    Process process;

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        up.close();
        if (later != null) {
            later.close();
        }
    }

    @Test
    void aCoordinatorDownAtStartIsAnOutageNotARefusal() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // nothing listens there until the second coordinator starts
        }
        String upToken = "glrt-upnow" + Long.toHexString(System.nanoTime() & 0xfffff) + "x";
        String laterToken = "glrt-later" + Long.toHexString(System.nanoTime() & 0xfffff) + "x";
        up = FakeCoordinator.builder().firstJobId(755_000).longPollTimeout(Duration.ofSeconds(2)).start();
        up.addRunner(upToken, Set.of(), true);
        Path config = CliProcess.writeConfig(dir.resolve("config.toml"), 2, "up", up.url(), upToken,
                CliProcess.journal(dir.resolve("journal.json")), "");
        Files.writeString(config, Files.readString(config) + "\n[[runners]]\nname = \"later\"\n"
                + "url = \"http://127.0.0.1:" + port + "/\"\ntoken = \"" + laterToken + "\"\nexecutor = \"docker\"\n"
                + "[runners.docker]\nimage = \"" + IMAGE + "\"\n");
        process = CliProcess.start(dir.resolve("runner.log"), "run", "--config", config.toString());

        JobView first = up.awaitJob(up.enqueue(Jobs.job("while-the-other-is-down").image(IMAGE)
                .variable("GIT_STRATEGY", "none").script("echo served")).id(), Duration.ofSeconds(60));
        assertThat(first.state()).as(log()).isEqualTo(JobState.SUCCESS);
        assertThat(process.isAlive()).isTrue();
        assertThat(log()).contains("runners[1].url: cannot connect to 127.0.0.1:" + port)
                .contains("its jobs will be asked for with backoff until it answers");

        later = FakeCoordinator.builder().port(port).firstJobId(756_000).longPollTimeout(Duration.ofSeconds(2))
                .start();
        later.addRunner(laterToken, Set.of(), true);
        JobView second = later.awaitJob(later.enqueue(Jobs.job("once-it-answers").image(IMAGE)
                .variable("GIT_STRATEGY", "none").script("echo served at last")).id(), Duration.ofSeconds(120));
        assertThat(second.state()).as(log()).isEqualTo(JobState.SUCCESS);
        assertThat(log()).doesNotContain(upToken, laterToken);
    }

    private String log() throws java.io.IOException {
        return CliProcess.read(dir.resolve("runner.log"));
    }
}
