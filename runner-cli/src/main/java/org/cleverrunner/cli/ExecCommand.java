package org.cleverrunner.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.cleverrunner.core.DirectoryCacheStore;
import org.cleverrunner.cli.exec.ExecPlan;
import org.cleverrunner.cli.exec.LocalArtifactTransfer;
import org.cleverrunner.cli.exec.PipelineException;
import org.cleverrunner.cli.exec.PipelineFile;
import org.cleverrunner.core.HostedRun;
import org.cleverrunner.core.JobTrace;
import org.cleverrunner.core.Variables;
import org.cleverrunner.spi.Executor;
import org.cleverrunner.spi.ExecutorFactory;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Provisioner;
import org.cleverrunner.spi.Providers;
import org.cleverrunner.spi.RunnerSpiException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code clever-runner exec JOB}: runs one job of a local {@code .gitlab-ci.yml} through the engine's own path
 * ({@link HostedRun}: provisioner, then executor) with no GitLab: the log goes to stdout, artifacts to a local
 * directory, caches to a local store. Exit code 0 when the job succeeded, 1 when it failed or was canceled, 2 when
 * the command line or the file is wrong.
 */
@Command(name = "exec", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Runs one job of a local .gitlab-ci.yml on the local Docker Engine, as a runner would, "
                + "without GitLab.",
                "The job sees the project directory as it is on disk (tracked and untracked files, .gitignore "
                        + "honoured), not a fresh clone.",
                "Exit code: 0 job succeeded, 1 job failed or canceled, 2 wrong usage or unsupported file."})
public final class ExecCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOB", description = "The job to run.")
    String jobName;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "The pipeline file (default: .gitlab-ci.yml in the project directory).")
    Path file;

    @Option(names = {"-C", "--directory"}, paramLabel = "DIR",
            description = "The project directory the job gets as its sources (default: the file's directory, "
                    + "else the current one).")
    Path directory;

    @Option(names = "--provisioner", defaultValue = "local-docker", paramLabel = "ID",
            description = "Where the job's Docker host comes from (default: ${DEFAULT-VALUE}).")
    String provisioner;

    @Option(names = "--executor", defaultValue = "docker", paramLabel = "ID",
            description = "How the job runs on the host (default: ${DEFAULT-VALUE}).")
    String executor;

    @Option(names = "--artifacts-dir", defaultValue = "clever-runner-artifacts", paramLabel = "DIR",
            description = "Where uploaded artifacts go, as DIR/JOB/artifacts.zip, extracted next to it "
                    + "(default: ./${DEFAULT-VALUE}).")
    Path artifactsDir;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Where caches persist between runs (default: ~/.cache/clever-runner/exec-cache).")
    Path cacheDir;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE",
            description = "A variable for the job, winning over the file's (repeatable).")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--docker-image", defaultValue = ExecPlan.DEFAULT_IMAGE, paramLabel = "IMAGE",
            description = "The image of jobs that name none (default: ${DEFAULT-VALUE}).")
    String dockerImage;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        Path projectDir;
        Path pipelinePath;
        if (file != null) {
            pipelinePath = directory != null && !file.isAbsolute() ? directory.resolve(file) : file;
            Path parent = pipelinePath.toAbsolutePath().normalize().getParent();
            projectDir = directory != null ? directory : parent;
        } else {
            projectDir = directory != null ? directory : Path.of("");
            pipelinePath = projectDir.resolve(".gitlab-ci.yml");
        }
        projectDir = projectDir.toAbsolutePath().normalize();
        String shownFile = file != null ? file.toString() : ".gitlab-ci.yml";
        for (String key : env.keySet()) {
            if (!Variables.isValidKey(key)) {
                err.println("exec: --env " + key + ": not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)");
                return 2;
            }
        }

        ExecPlan.Planned planned;
        PipelineFile.Job job;
        try {
            PipelineFile pipeline = PipelineFile.read(pipelinePath, shownFile);
            job = pipeline.job(jobName);
            planned = ExecPlan.plan(pipeline, jobName, new ExecPlan.Options(projectDir, dockerImage, env,
                    System.currentTimeMillis()));
        } catch (PipelineException e) {
            err.println("exec: " + e.getMessage());
            return 2;
        }
        JobPlan plan = planned.plan();
        for (String note : job.notes()) {
            err.println("exec: note: job '" + job.name() + "': " + note);
        }

        Path artifacts = artifactsDir.toAbsolutePath().normalize();
        Path caches = (cacheDir != null ? cacheDir
                : Path.of(System.getProperty("user.home"), ".cache", "clever-runner", "exec-cache"))
                .toAbsolutePath().normalize().resolve(plan.projectPath());
        ClassLoader loader = ExecCommand.class.getClassLoader();
        Provisioner hosts;
        Executor runner;
        try {
            hosts = org.cleverrunner.core.hosts.Provisioners.create(provisioner, ProviderSettings.empty(), loader);
            runner = Providers.find(ExecutorFactory.class, executor, loader)
                    .create(new ProviderSettings("executor", Map.of()));
        } catch (RunnerSpiException e) {
            err.println("exec: " + e.getMessage());
            return 2;
        }

        LocalArtifactTransfer transfer = new LocalArtifactTransfer(projectDir, List.of(artifacts, caches),
                artifacts, job.name());
        List<String> secrets = new ArrayList<>();
        plan.variables().stream().filter(JobPlan.Variable::masked).forEach(v -> secrets.add(v.value()));
        // ANSI colours are kept even when stdout is no terminal: GitLab's logs have them too
        JobTrace trace = JobTrace.builder().secrets(secrets).limit(Long.MAX_VALUE).sink((bytes, from, length) -> {
            out.write(bytes, from, length);
            out.flush();
        }).build();
        JobControl control = new JobControl();
        trace.line("\u001b[1mRunning job '" + job.name() + "' (stage " + job.stage() + ") of " + shownFile
                + " with clever-runner exec: provisioner " + provisioner + ", executor " + executor + "\u001b[0;m");
        planned.warnings().forEach(warning -> trace.line("\u001b[0;33mWARNING: " + warning + "\u001b[0;m"));

        JobOutcome outcome;
        try (DirectoryCacheStore cache = new DirectoryCacheStore(caches); runner;
                Interrupts interrupts = Interrupts.install(control, err)) {
            try {
                outcome = HostedRun.run(plan, hosts, runner, new JobContext(trace, cache, transfer, control),
                        HostedRun.HostEvents.NONE);
            } finally {
                interrupts.jobDone();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = JobOutcome.canceled("interrupted");
        } finally {
            trace.close();
        }
        out.flush();
        if (outcome.status() == JobOutcome.Status.SUCCESS) {
            if (!plan.artifacts().isEmpty() && java.nio.file.Files.isDirectory(transfer.jobDir())) {
                err.println("exec: job '" + job.name() + "' succeeded; artifacts in " + transfer.jobDir());
            } else {
                err.println("exec: job '" + job.name() + "' succeeded");
            }
            return 0;
        }
        String reason = outcome.message() == null ? outcome.status().name().toLowerCase(java.util.Locale.ROOT)
                : outcome.message();
        err.println("exec: job '" + job.name() + "' " + (outcome.status() == JobOutcome.Status.CANCELED
                ? "was canceled" : "failed") + ": " + reason
                + (outcome.exitCode() != null && !reason.contains("exit code " + outcome.exitCode())
                        ? " (exit code " + outcome.exitCode() + ")" : "")
                + (outcome.failure() != null ? " [" + outcome.failure().name().toLowerCase(java.util.Locale.ROOT)
                        + "]" : "")
                + (job.allowFailure() ? "; the job allows failure, a pipeline would go on" : ""));
        return 1;
    }

    /**
     * Ctrl-C while the job runs: the first one cancels gracefully (after_script still runs, then clean-up), the
     * second aborts. A shutdown hook (SIGTERM, or Ctrl-C where signals cannot be handled) aborts and waits for the
     * executor's clean-up so no container outlives the command.
     */
    static final class Interrupts implements AutoCloseable {
        private final JobControl control;
        private final PrintStream err;
        private final CountDownLatch done = new CountDownLatch(1);
        private final AtomicInteger presses = new AtomicInteger();
        private final Thread hook;
        private Object previousHandler;

        private Interrupts(JobControl control, PrintStream err) {
            this.control = control;
            this.err = err;
            this.hook = new Thread(() -> {
                control.abort();
                awaitJob(30);
            }, "exec-shutdown");
        }

        static Interrupts install(JobControl control, PrintStream err) {
            Interrupts interrupts = new Interrupts(control, err);
            Runtime.getRuntime().addShutdownHook(interrupts.hook);
            try {
                interrupts.previousHandler = sun.misc.Signal.handle(new sun.misc.Signal("INT"),
                        signal -> interrupts.pressed());
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                // no signal handling here: the shutdown hook still aborts and cleans up
            }
            return interrupts;
        }

        private void pressed() {
            if (presses.incrementAndGet() == 1) {
                err.println("\nexec: canceling the job (after_script still runs); press Ctrl-C again to abort");
                control.cancel();
            } else {
                err.println("\nexec: aborting the job");
                control.abort();
            }
        }

        void jobDone() {
            done.countDown();
        }

        private void awaitJob(int seconds) {
            try {
                done.await(seconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is running and waits for jobDone
            }
            if (previousHandler instanceof sun.misc.SignalHandler handler) {
                sun.misc.Signal.handle(new sun.misc.Signal("INT"), handler);
            }
        }
    }
}
