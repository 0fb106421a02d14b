package org.cleverrunner.docker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.cleverrunner.spi.Durations;
import org.cleverrunner.spi.Secret;

/**
 * Docker's credential helpers ({@code docker-credential-<name>}, as {@code credsStore} and {@code credHelpers} of a
 * Docker config name them), run on the runner host as the Docker CLI and GitLab Runner run them: {@code get} with the
 * server URL on standard input answers {@code {"Username": …, "Secret": …}}, {@code list} answers a map of server
 * URLs to user names. A helper is looked up by its plain name in a search path (the runner's {@code PATH}); a name
 * with a path in it is refused, as GitLab Runner refuses it. What a helper prints is never repeated (it may hold a
 * secret): failures are said by exit status.
 */
public final class CredentialHelpers {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    // what docker-credential-helpers answers when it holds nothing for the server URL
    private static final String NOT_FOUND = "credentials not found";
    private static final int MAX_OUTPUT = 1 << 20;
    static final String IDENTITY_TOKEN_USER = "<token>";

    /** What a helper answered for one server URL. */
    sealed interface Answer {
        /** Credentials; {@code identityToken} when the helper holds an OAuth token rather than a password. */
        record Credentials(String username, Secret secret, boolean identityToken) implements Answer {
            @Override
            public String toString() {
                return "Credentials[" + username + ", " + Secret.MASK + "]";
            }
        }

        /** The helper holds nothing for that server. */
        record NotFound() implements Answer {
        }

        /** The helper could not be used; {@code reason} names the helper, never what it printed. */
        record Failed(String reason) implements Answer {
        }
    }

    private final List<Path> searchPath;
    private final Duration timeout;

    CredentialHelpers(List<Path> searchPath, Duration timeout) {
        this.searchPath = List.copyOf(searchPath);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** The directories of the runner's {@code PATH}. */
    public static List<Path> systemPath() {
        String path = System.getenv("PATH");
        List<Path> dirs = new ArrayList<>();
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isBlank()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        return dirs;
    }

    /** Why a helper name from a config cannot be used, or null when it can. */
    static String refusal(String name) {
        if (name.contains("/") || name.contains("\\") || name.contains("..")) {
            return "credential helper name '" + printable(name) + "' is not a plain name (a path is refused)";
        }
        if (!NAME.matcher(name).matches()) {
            return "credential helper name '" + printable(name) + "' is not a valid name";
        }
        return null;
    }

    /** The credentials a helper holds for a server URL. */
    Answer get(String helper, String serverUrl) throws InterruptedException {
        Run run = run(helper, "get", serverUrl);
        if (run.failure != null) {
            return new Answer.Failed(run.failure);
        }
        if (run.status != 0) {
            return run.output.contains(NOT_FOUND) ? new Answer.NotFound()
                    : new Answer.Failed(program(helper) + " get exited with status " + run.status);
        }
        try {
            JsonNode answer = JSON.readTree(run.output);
            String username = answer == null ? "" : answer.path("Username").asText("");
            String secret = answer == null ? "" : answer.path("Secret").asText("");
            if (secret.isEmpty()) {
                return new Answer.NotFound();
            }
            boolean token = username.equals(IDENTITY_TOKEN_USER);
            return new Answer.Credentials(token ? "" : username, Secret.of(secret), token);
        } catch (IOException e) {
            // Jackson would quote the answer, which holds the secret
            return new Answer.Failed(program(helper) + " get did not answer JSON");
        }
    }

    /** The server URLs a helper holds credentials for (the keys of its {@code list}). */
    Result<List<String>> list(String helper) throws InterruptedException {
        Run run = run(helper, "list", "");
        if (run.failure != null) {
            return Result.failed(run.failure);
        }
        if (run.status != 0) {
            return Result.failed(program(helper) + " list exited with status " + run.status);
        }
        try {
            JsonNode answer = JSON.readTree(run.output);
            List<String> servers = new ArrayList<>();
            if (answer != null) {
                for (Iterator<String> it = answer.fieldNames(); it.hasNext(); ) {
                    servers.add(it.next());
                }
            }
            return Result.of(servers);
        } catch (IOException e) {
            return Result.failed(program(helper) + " list did not answer JSON");
        }
    }

    /** A value or why there is none. */
    record Result<T>(T value, String failure) {
        static <T> Result<T> of(T value) {
            return new Result<>(value, null);
        }

        static <T> Result<T> failed(String failure) {
            return new Result<>(null, failure);
        }
    }

    private record Run(int status, String output, String failure) {
    }

    private Run run(String helper, String action, String input) throws InterruptedException {
        String refused = refusal(helper);
        if (refused != null) {
            return new Run(-1, "", refused);
        }
        Path program = find(program(helper));
        if (program == null) {
            return new Run(-1, "", program(helper) + " is not on the runner's PATH");
        }
        Process process;
        try {
            process = new ProcessBuilder(program.toString(), action)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return new Run(-1, "", "cannot start " + program + ": " + e.getClass().getSimpleName());
        }
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> readBounded(process.getInputStream()));
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // a helper that does not read its input (list) may close it first: its answer says the rest
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return new Run(-1, "", program(helper) + " " + action + " did not answer within "
                        + Durations.human(timeout));
            }
            byte[] bytes = output.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Run(process.exitValue(), new String(bytes, StandardCharsets.UTF_8), null);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw e;
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            return new Run(-1, "", "cannot read the answer of " + program(helper) + " " + action);
        }
    }

    private static byte[] readBounded(InputStream in) {
        try (in) {
            return in.readNBytes(MAX_OUTPUT);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private Path find(String program) {
        for (Path dir : searchPath) {
            Path candidate = dir.resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    static String program(String helper) {
        return "docker-credential-" + helper;
    }

    private static String printable(String name) {
        String shown = name.length() > 60 ? name.substring(0, 60) + "…" : name;
        return shown.replaceAll("[\\p{Cntrl}]", "?");
    }
}
