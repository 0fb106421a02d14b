package org.cleverrunner.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * Repositories over smart HTTP on 127.0.0.1, as a GitLab serves them to jobs: {@code git http-backend} for the bare
 * repositories under a root (at {@code /<path>.git}), or Mercurial's hgweb for one repository (Heptapod). Behind
 * Basic auth {@code gitlab-ci-token:<job token>} when a token check is given, as GitLab asks of a job. Needs
 * {@code git} (and {@code hg} for {@link #hg}) on PATH.
 */
public final class GitHttpServer implements AutoCloseable {

    private final String scriptName;
    private final List<String> command;
    private final Map<String, String> cgiEnvironment;
    private final java.util.function.BiPredicate<String, String> accepts;
    private final HttpServer server;
    private final ExecutorService executor;
    private volatile long delayMillis;
    private final java.util.concurrent.atomic.AtomicLong bytesServed = new java.util.concurrent.atomic.AtomicLong();

    /** Bare repositories under {@code projectRoot}, at {@code /<path>.git}, behind this one job token. */
    public static GitHttpServer git(Path projectRoot, String token) throws IOException {
        Objects.requireNonNull(token, "token");
        return git(projectRoot, token::equals);
    }

    /**
     * Bare repositories under {@code projectRoot}, at {@code /<path>.git}, for the job tokens {@code acceptsToken}
     * accepts (e.g. {@code t -> t.startsWith("glcbt-")} for the fake coordinator's per-job tokens).
     */
    public static GitHttpServer git(Path projectRoot, Predicate<String> acceptsToken) throws IOException {
        Objects.requireNonNull(acceptsToken, "acceptsToken");
        return gitWithCredentials(projectRoot, (user, password) -> user.equals("gitlab-ci-token")
                && acceptsToken.test(password));
    }

    /**
     * Bare repositories under {@code projectRoot}, at {@code /<path>.git}, for the Basic credentials (user,
     * password) {@code accepts} accepts; pushes are allowed to them (the CGI sees the user as REMOTE_USER).
     */
    public static GitHttpServer gitWithCredentials(Path projectRoot,
            java.util.function.BiPredicate<String, String> accepts) throws IOException {
        return new GitHttpServer(List.of("git", "http-backend"), Map.of("GIT_CONFIG_NOSYSTEM", "1",
                "GIT_CONFIG_GLOBAL", "/dev/null", "GIT_PROJECT_ROOT", projectRoot.toString(),
                "GIT_HTTP_EXPORT_ALL", "1"), "", accepts);
    }

    /** One Mercurial repository at {@code mountPath}, through hgweb's CGI entry point, behind this job token. */
    public static GitHttpServer hg(Path repository, String mountPath, Path scratch, String token) throws IOException {
        Objects.requireNonNull(token, "token");
        Path script = scratch.resolve("hgweb.cgi");
        Files.writeString(script, "from mercurial import demandimport; demandimport.enable()\n"
                + "from mercurial.hgweb import hgweb, wsgicgi\n"
                + "wsgicgi.launch(hgweb(" + pythonBytes(repository.toString()) + ", b'test'))\n");
        String python = Files.readAllLines(Path.of(which("hg"))).get(0).replaceFirst("^#!\\s*", "")
                .split("\\s+")[0];
        // the python hg itself runs on, which has the mercurial package
        return new GitHttpServer(List.of(python, script.toString()), Map.of("HGRCPATH", "", "HGPLAIN", "1"),
                mountPath, (user, password) -> user.equals("gitlab-ci-token") && token.equals(password));
    }

    private static String which(String program) {
        for (String dir : System.getenv("PATH").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(program + " is not on PATH");
    }

    private static String pythonBytes(String text) {
        return "b'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private GitHttpServer(List<String> command, Map<String, String> cgiEnvironment, String scriptName,
            java.util.function.BiPredicate<String, String> accepts) throws IOException {
        this.scriptName = scriptName;
        this.command = command;
        this.cgiEnvironment = cgiEnvironment;
        this.accepts = Objects.requireNonNull(accepts, "accepts");
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "git-http-backend");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@code http://127.0.0.1:port} */
    public String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:port/<path>.git}, the URL of a bare repository under the root, without credentials. */
    public String url(String path) {
        return base() + "/" + path + ".git";
    }

    /** The bytes of every response body sent so far (ref advertisements and packs), to measure what a fetch costs. */
    public long bytesServed() {
        return bytesServed.get();
    }

    /** Makes every request wait this long first (to stop a fetch mid-way). */
    public void delay(long millis) {
        delayMillis = millis;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
            if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"GitLab\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            cgi(exchange);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean authorized(String header) {
        if (header == null || !header.startsWith("Basic ")) {
            return false;
        }
        String credentials;
        try {
            credentials = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = credentials.indexOf(':');
        return colon > 0 && accepts.test(credentials.substring(0, colon), credentials.substring(colon + 1));
    }

    private void cgi(HttpExchange exchange) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("GIT_") || k.startsWith("HG"));
        env.putAll(cgiEnvironment);
        exchange.getRequestHeaders().forEach((name, values) -> env.put(
                "HTTP_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'), String.join(", ", values)));
        env.put("GATEWAY_INTERFACE", "CGI/1.1");
        env.put("SERVER_PROTOCOL", "HTTP/1.1");
        env.put("SERVER_NAME", "127.0.0.1");
        env.put("SERVER_PORT", Integer.toString(server.getAddress().getPort()));
        String path = exchange.getRequestURI().getPath();
        if (!path.startsWith(scriptName)) {
            exchange.sendResponseHeaders(404, -1);
            return;
        }
        env.put("SCRIPT_NAME", scriptName);
        env.put("REQUEST_METHOD", exchange.getRequestMethod());
        env.put("PATH_INFO", path.substring(scriptName.length()));
        env.put("QUERY_STRING", exchange.getRequestURI().getRawQuery() == null ? ""
                : exchange.getRequestURI().getRawQuery());
        env.put("REMOTE_USER", "gitlab-ci-token");
        env.put("REMOTE_ADDR", "127.0.0.1");
        putHeader(exchange, env, "Content-Type", "CONTENT_TYPE");
        putHeader(exchange, env, "Content-Length", "CONTENT_LENGTH");
        putHeader(exchange, env, "Content-Encoding", "HTTP_CONTENT_ENCODING");
        putHeader(exchange, env, "Git-Protocol", "GIT_PROTOCOL");
        Process process = builder.start();
        Thread body = new Thread(() -> {
            try (OutputStream in = process.getOutputStream(); InputStream request = exchange.getRequestBody()) {
                request.transferTo(in);
            } catch (IOException ignored) {
                // the backend stopped reading: its answer says why
            }
        });
        body.setDaemon(true);
        body.start();
        try (InputStream out = new BufferedInputStream(process.getInputStream())) {
            int status = 200;
            String header;
            while (!(header = readLine(out)).isEmpty()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, colon).trim();
                String value = header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Status")) {
                    status = Integer.parseInt(value.split(" ")[0]);
                } else {
                    exchange.getResponseHeaders().add(name, value);
                }
            }
            exchange.sendResponseHeaders(status, 0);
            try (OutputStream response = exchange.getResponseBody()) {
                bytesServed.addAndGet(out.transferTo(response));
            }
        } finally {
            process.waitFor();
            body.join(1_000);
        }
    }

    private static void putHeader(HttpExchange exchange, Map<String, String> env, String header, String variable) {
        String value = exchange.getRequestHeaders().getFirst(header);
        if (value != null) {
            env.put(variable, value);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
