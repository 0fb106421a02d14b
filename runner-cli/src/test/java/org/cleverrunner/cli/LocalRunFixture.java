package org.cleverrunner.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.testkit.FakeCoordinator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set-up of the ITs that need only {@code run} as a process on the local engine against a fake GitLab: one of
 * each per test, in the test's directory, the runner's log in {@code runner.log}.
 */
abstract class LocalRunFixture {

    static final String IMAGE = "clever-runner/busybox:latest";

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    Process process;

    private final String name;
    private final String token;
    private final long firstJobId;

    /**
     * @param name the runner's name in config.toml, also in its token so that classes keep their names apart
     * @param firstJobId the fake's first job id, apart from other classes' on a shared engine
     */
    LocalRunFixture(String name, long firstJobId) {
        this.name = name;
        this.token = "glrt-" + name + Long.toHexString(System.nanoTime() & 0xfffff) + "x";
        this.firstJobId = firstJobId;
    }

    /** Global lines added to config.toml (after the journal's). */
    String globalExtra() {
        return "";
    }

    /** Lines added to the runner's entry. */
    String runnerExtra() {
        return "";
    }

    /** Lines added to its {@code [runners.docker]}. */
    String dockerExtra() {
        return "";
    }

    /** Starts the CLI: {@link CliProcess#start(Path, String...)}, unless a test needs it otherwise. */
    Process start(Path log, String... args) throws IOException {
        return CliProcess.start(log, args);
    }

    @BeforeEach
    void startRun() throws IOException {
        gitlab = FakeCoordinator.builder().firstJobId(firstJobId).longPollTimeout(Duration.ofSeconds(5))
                .traceUpdateInterval(Duration.ofSeconds(1)).start();
        gitlab.addRunner(token, Set.of(), true);
        Path config = CliProcess.writeConfig(dir.resolve("config.toml"), 2, name, gitlab.url(), token,
                CliProcess.journal(dir.resolve("journal.json")) + globalExtra(), "local-docker", runnerExtra(),
                dockerExtra());
        process = start(dir.resolve("runner.log"), "run", "--config", config.toString());
    }

    @AfterEach
    void stopRun() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        gitlab.close();
    }

    /** The runner's token, registered in the fake. */
    String token() {
        return token;
    }

    String runnerLog() throws IOException {
        return CliProcess.read(dir.resolve("runner.log"));
    }
}
