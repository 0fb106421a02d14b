package org.cleverrunner.docker.internal.sources;

import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.Trace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs git/hg for one fetch: argument lists only (no shell), a shared deadline, killed at once when the job is
 * stopped, output streamed to the trace line by line with credentials removed.
 */
final class Commands {

    private static final Logger LOG = LoggerFactory.getLogger(Commands.class);
    private static final int KEPT_LINES = 30;

    /** What a command printed (stdout and stderr together), credentials removed. */
    record Result(int exitCode, String output) {
    }

    private final Trace trace;
    private final JobControl control;
    private final Redactor redactor;
    private final Instant deadline;
    private final Map<String, String> environment;
    private final AtomicReference<Process> current = new AtomicReference<>();

    Commands(Trace trace, JobControl control, Redactor redactor, Duration timeout, Map<String, String> environment) {
        this.trace = trace;
        this.control = control;
        this.redactor = redactor;
        this.deadline = Instant.now().plus(timeout);
        this.environment = Map.copyOf(environment);
        // JobControl keeps listeners until a stop; once this fetch is over, the listener finds nothing to kill
        control.onStop(this::killCurrent);
    }

    /** Runs a command with its output in the trace; fails with the command's last error line. */
    void run(Path directory, List<String> argv) throws InterruptedException {
        Deque<String> lastLines = new ArrayDeque<>();
        int exit = execute(directory, argv, line -> {
            trace.line(line);
            synchronized (lastLines) {
                lastLines.addLast(line);
                if (lastLines.size() > KEPT_LINES) {
                    lastLines.removeFirst();
                }
            }
        });
        if (exit != 0) {
            String why;
            synchronized (lastLines) {
                why = meaningful(List.copyOf(lastLines));
            }
            throw new SourceFetchException("get_sources failed: " + label(argv) + " exited with " + exit
                    + (why.isEmpty() ? "" : ": " + why));
        }
    }

    /** Runs a command whose output is only looked at, not traced (checks such as the configured remote). */
    Result quiet(Path directory, List<String> argv) throws InterruptedException {
        StringBuilder out = new StringBuilder();
        int exit = execute(directory, argv, line -> {
            synchronized (out) {
                out.append(line).append('\n');
            }
        });
        synchronized (out) {
            return new Result(exit, out.toString());
        }
    }

    private interface LineSink {
        void accept(String line);
    }

    private int execute(Path directory, List<String> argv, LineSink sink) throws InterruptedException {
        checkStop();
        ProcessBuilder builder = new ProcessBuilder(argv).directory(directory.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = builder.environment();
        // the runner's own GIT_DIR, GIT_TRACE_CURL, HGRCPATH… must not change (or print) what we do
        env.keySet().removeIf(key -> key.startsWith("GIT_") || key.startsWith("HG") || key.equals("SSH_ASKPASS"));
        env.put("LC_ALL", "C");
        env.put("LANGUAGE", "C");
        env.putAll(environment);
        LOG.debug("running {} in {}", label(argv), directory);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new SourceFetchException("get_sources failed: cannot run " + argv.get(0)
                    + " on the runner host (is it installed?): " + e.getMessage(), e);
        }
        current.set(process);
        Thread reader = new Thread(() -> pump(process.getInputStream(), sink), "get_sources-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (control.stopRequested()) {
                killCurrent();
            }
            long remaining = Duration.between(Instant.now(), deadline).toMillis();
            if (!process.waitFor(Math.max(remaining, 0), TimeUnit.MILLISECONDS)) {
                kill(process);
                process.waitFor(5, TimeUnit.SECONDS);
                throw new SourceFetchException("get_sources failed: " + label(argv) + " timed out");
            }
            reader.join(5_000);
            checkStop();
            return process.exitValue();
        } catch (InterruptedException e) {
            kill(process);
            throw e;
        } finally {
            current.compareAndSet(process, null);
        }
    }

    private void pump(InputStream in, LineSink sink) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buffer[i];
                    // \r ends progress updates: keep each as its own line rather than one huge line
                    if (b == '\n' || b == '\r') {
                        emit(line, sink);
                    } else {
                        line.write(b);
                    }
                }
            }
            emit(line, sink);
        } catch (IOException e) {
            LOG.debug("output of a get_sources command ended: {}", e.toString());
        }
    }

    private void emit(ByteArrayOutputStream line, LineSink sink) {
        if (line.size() > 0) {
            sink.accept(redactor.redact(line.toString(StandardCharsets.UTF_8)));
            line.reset();
        }
    }

    private void checkStop() {
        if (control.stopRequested()) {
            throw new SourceFetchException("get_sources stopped: the job was canceled");
        }
    }

    private void killCurrent() {
        Process process = current.get();
        if (process != null) {
            kill(process);
        }
    }

    private static void kill(Process process) {
        // git forks git-remote-http and helpers: they hold the connection, stop them too
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** {@code git fetch}, {@code hg pull}: the program and its subcommand, skipping {@code -c}/{@code --config}. */
    static String label(List<String> argv) {
        String program = Path.of(argv.get(0)).getFileName().toString();
        for (int i = 1; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (arg.equals("-c") || arg.equals("-C") || arg.equals("--config") || arg.equals("-R")
                    || arg.equals("--cwd")) {
                i++;
            } else if (!arg.startsWith("-")) {
                return program + " " + arg;
            }
        }
        return program;
    }

    /** The line that says why: the last fatal/error/abort line, else the last non-empty one. */
    static String meaningful(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i).strip();
            if (line.startsWith("fatal:") || line.startsWith("error:") || line.startsWith("abort:")) {
                return line;
            }
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).isBlank()) {
                return lines.get(i).strip();
            }
        }
        return "";
    }
}
