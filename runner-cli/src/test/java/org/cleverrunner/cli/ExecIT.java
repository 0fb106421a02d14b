package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code exec} of the examples' jobs on the Docker Engine at DOCKER_HOST (scripts/test.sh provides one), in-process
 * through {@link Main#execute}. The example project is copied to a temporary directory so runs leave nothing in
 * the repository.
 */
class ExecIT {

    @TempDir
    Path tmp;
    Path project;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalOut;
    PrintStream originalErr;

    @BeforeEach
    void setUp() throws IOException {
        project = tmp.resolve("example");
        copy(Path.of("..", "examples", "pipeline"), project);
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
        originalOut.println(out.toString(StandardCharsets.UTF_8));
        originalOut.println(err.toString(StandardCharsets.UTF_8));
    }

    int exec(String... args) {
        String[] all = Stream.concat(Stream.of("exec"), Stream.of(args)).toArray(String[]::new);
        String[] withDirs = Stream.concat(Stream.of(all), Stream.of("--directory", project.toString(),
                "--artifacts-dir", tmp.resolve("artifacts").toString(), "--cache-dir", tmp.resolve("cache").toString()))
                .toArray(String[]::new);
        return Main.execute(withDirs);
    }

    String printed() {
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void buildPublishesItsArtifactsLocallyAndKeepsItsCache() throws IOException {
        assertThat(exec("build")).as(printed()).isZero();

        Path app = tmp.resolve("artifacts/build/out/app.txt");
        assertThat(app).exists();
        assertThat(Files.readString(app)).contains("Hello from hello", "sources: build.sh lint.sh");
        assertThat(tmp.resolve("artifacts/build/artifacts.zip")).exists();
        assertThat(printed()).contains("job build (stage build) of local/example", "build number 1",
                "Job succeeded");

        out.reset();
        assertThat(exec("build")).as(printed()).isZero();
        assertThat(printed()).contains("build number 2");
    }

    @Test
    void testReachesItsServiceByAlias() {
        assertThat(exec("test")).as(printed()).isZero();
        assertThat(printed()).contains("served by the web service", "Job succeeded");
    }

    @Test
    void lintRunsWithWhatItExtends() {
        assertThat(exec("lint")).as(printed()).isZero();
        assertThat(printed()).contains("lint setup (from .base)", "STRICT=yes CHECKS=trailing-spaces",
                "lint ok");
    }

    @Test
    void aFailingJobExitsOneWithTheReason() throws IOException {
        Files.writeString(project.resolve(".gitlab-ci.yml"), """
                image: clever-runner/busybox:latest
                fail:
                  script:
                    - echo about to fail
                    - exit 3
                  after_script:
                    - echo "after_script sees $CI_JOB_STATUS"
                """);
        assertThat(exec("fail")).as(printed()).isEqualTo(1);
        assertThat(printed()).contains("about to fail", "after_script sees failed",
                "exec: job 'fail' failed: exit code 3 [script_failure]");
    }

    @Test
    void cacheKeysAreSanitisedAsUnderRunAndTheCacheComesBack() throws IOException {
        Files.writeString(project.resolve(".gitlab-ci.yml"), """
                image: clever-runner/busybox:latest
                deps:
                  cache:
                    key: "deps/../deps%2Fv1"
                    paths: [vendor/]
                  script:
                    - cat vendor/dep.txt 2>/dev/null || echo "no-cache-$((1+1))"
                    - mkdir -p vendor && echo from-the-first-run > vendor/dep.txt
                """);
        assertThat(exec("deps")).as(printed()).isZero();
        assertThat(printed()).contains("WARNING: cache key 'deps/../deps%2Fv1' sanitized to 'deps/v1'",
                "no-cache-2", "Created cache");

        out.reset();
        err.reset();
        assertThat(exec("deps")).as(printed()).isZero();
        // the log echoes each command: the markers are what the commands print, not what they say
        assertThat(printed()).contains("Checking cache for deps/v1", "\nfrom-the-first-run\n")
                .doesNotContain("no-cache-2");
    }

    @Test
    void anUnknownJobIsAUsageError() {
        assertThat(exec("deploy")).isEqualTo(2);
        assertThat(printed()).contains("no job 'deploy'; its jobs are: build, test, lint");
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
    }
}
