package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.coordinator.payload.JobImage;
import org.cleverrunner.coordinator.payload.RegistryCredential;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One job that uses every kind of secret the runner handles (runner token, job token, masked and masked file
 * variables, a private registry's password, a personal access token the script prints, credentials in a URL),
 * run by the CLI's {@code run} at log level debug; then every output is searched for every secret: the runner's log,
 * the job's trace, the journal while the job runs, the metrics, {@code list}. Only the places GitLab Runner also
 * keeps a secret in are exempt (the job token in the journal, mode 0600, to report the job after a crash).
 */
class SecretsEverywhereIT {

    static final String TOKEN = "glrt-secrets" + Long.toHexString(System.nanoTime() & 0xfffff) + "Zq";
    static final String MASKED = "Msk-V4lue-" + Long.toHexString(System.nanoTime() & 0xffffff);
    static final String MASKED_FILE = "File-S3cret-" + Long.toHexString(System.nanoTime() & 0xffffff);
    static final String PAT = "glpat-" + Long.toHexString(System.nanoTime()) + "AbCdEf";
    static final String URL_PASSWORD = "Url-Pa55-" + Long.toHexString(System.nanoTime() & 0xffff);

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    Process process;

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (gitlab != null) {
            gitlab.close();
        }
    }

    @Test
    void noSecretOfAJobReachesAnyOutputAtLogLevelDebug() throws Exception {
        String registry = System.getenv("CLEVER_RUNNER_TEST_REGISTRY");
        String registryUser = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_USER");
        String registryPassword = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_PASSWORD");
        assertThat(registry).as("scripts/test.sh provides a private registry (CLEVER_RUNNER_TEST_REGISTRY)")
                .isNotBlank();
        gitlab = FakeCoordinator.builder().firstJobId(731_000).longPollTimeout(Duration.ofSeconds(5))
                .traceUpdateInterval(Duration.ofSeconds(1)).start();
        gitlab.addRunner(TOKEN, Set.of(), true);
        int metricsPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            metricsPort = socket.getLocalPort();
        }
        Path journal = dir.resolve("journal.json");
        Path config = CliProcess.writeConfig(dir.resolve("config.toml"), 1, "secrets", gitlab.url(), TOKEN,
                "log_level = \"debug\"\n" + CliProcess.journal(journal) + "[metrics]\nlisten = \"127.0.0.1:"
                        + metricsPort + "\"\n", "");

        String privateImage = registry + "/test/busybox:1";
        JobHandle job = gitlab.enqueue(Jobs.job("secrets")
                .image(new JobImage(privateImage, null, null, null, null, List.of("always")))
                .credential(new RegistryCredential("registry", registry, registryUser, registryPassword))
                .variable("GIT_STRATEGY", "none")
                .maskedVariable("MASKED_VALUE", MASKED)
                .variable(new org.cleverrunner.coordinator.payload.JobVariable("MASKED_FILE", MASKED_FILE, false,
                        true, true, false))
                .variable("WITH_CREDENTIALS", "https://deploy:" + URL_PASSWORD + "@example.invalid/repo.git")
                .script("echo \"masked: $MASKED_VALUE\"", "cat \"$MASKED_FILE\"; echo", "echo \"token: $CI_JOB_TOKEN\"",
                        "echo \"pat: " + PAT + "\"", "echo \"url: $WITH_CREDENTIALS\"", "sleep 3",
                        "echo done-printing"));

        process = CliProcess.start(dir.resolve("runner.log"), "run", "--config", config.toString());

        // the journal while the job runs, the metrics once it ran
        List<String> journals = new ArrayList<>();
        StringBuilder spooled = new StringBuilder();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < until && gitlab.job(job.id()).state() != JobState.SUCCESS
                && gitlab.job(job.id()).state() != JobState.FAILED) {
            if (Files.exists(journal)) {
                journals.add(Files.readString(journal));
            }
            // the trace spooled beside the journal for crash recovery: masked like the trace itself
            Path spools = dir.resolve("traces");
            if (Files.isDirectory(spools)) {
                try (var files = Files.list(spools)) {
                    for (Path spool : files.toList()) {
                        try {
                            spooled.append(Files.readString(spool, StandardCharsets.ISO_8859_1));
                        } catch (IOException gone) {
                            // delivered and deleted meanwhile
                        }
                    }
                }
            }
            Thread.sleep(200);
        }
        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(30));
        assertThat(view.state()).as(view.traceText()).isEqualTo(JobState.SUCCESS);
        assertThat(journals).as("the journal was read while the job ran").isNotEmpty();
        assertThat(spooled).as("the trace spool was read while the job ran").isNotEmpty();
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        // a GitLab Runner dashboard's families are there too, labelled by the short token as gitlab-runner does
        assertThat(metrics).containsPattern("\ngitlab_runner_jobs_total\\{runner=\"" + TOKEN.substring(5, 14)
                + "\",runner_name=\"secrets\",system_id=\"[sr]_[0-9A-Za-z]{12}\"} 1\n")
                .contains("\ngitlab_runner_concurrent 1\n")
                .contains("# TYPE gitlab_runner_job_duration_seconds histogram");
        process.destroy(); // SIGTERM: a clean stop, its lines in the log too
        process.waitFor(60, TimeUnit.SECONDS);
        Process list = CliProcess.start(dir.resolve("list.out"), "list", "--config", config.toString());
        list.waitFor(30, TimeUnit.SECONDS);
        String listed = CliProcess.read(dir.resolve("list.out"));

        String trace = view.traceText();
        // the job did print them: the masks are what hide them
        assertThat(trace).contains("masked: [MASKED]", "token: [MASKED]", "done-printing")
                .contains("pat: ").doesNotContain(PAT);

        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("runner token", TOKEN.substring("glrt-".length()));
        secrets.put("job token", job.token());
        secrets.put("masked variable", MASKED);
        secrets.put("masked file variable", MASKED_FILE);
        secrets.put("registry password", registryPassword);
        secrets.put("registry auth (base64)", Base64.getEncoder().encodeToString(("{\"username\":\"" + registryUser
                + "\",\"password\":\"" + registryPassword + "\"").getBytes(StandardCharsets.UTF_8)).substring(0, 24));
        secrets.put("personal access token", PAT.substring("glpat-".length()));

        Map<String, String> outputs = new LinkedHashMap<>();
        outputs.put("runner log (debug)", Files.readString(dir.resolve("runner.log")));
        outputs.put("trace", trace);
        outputs.put("metrics", metrics);
        outputs.put("list", listed);
        outputs.put("trace spool", spooled.toString());
        outputs.put("config dump", Files.readString(config).replace(TOKEN, "")); // the config holds the token itself
        for (Map.Entry<String, String> output : outputs.entrySet()) {
            for (Map.Entry<String, String> secret : secrets.entrySet()) {
                assertThat(output.getValue()).as("%s in the %s", secret.getKey(), output.getKey())
                        .doesNotContain(secret.getValue());
            }
        }
        assertThat(outputs.get("runner log (debug)")).as("the log is at debug").contains("DEBUG");
        for (String journalText : journals) {
            for (Map.Entry<String, String> secret : secrets.entrySet()) {
                if (!secret.getKey().equals("job token")) {
                    assertThat(journalText).as("%s in the journal", secret.getKey()).doesNotContain(secret.getValue());
                }
            }
        }
        // URL credentials: masked in the trace as GitLab does for URL passwords printed by a job is not required,
        // but the runner's own outputs never show them
        assertThat(outputs.get("runner log (debug)")).doesNotContain(URL_PASSWORD);
        assertThat(listed).contains("secrets").doesNotContain(TOKEN);
    }
}
