package org.cleverrunner.docker.gateway;

import static org.cleverrunner.docker.internal.CacheTransferProtocol.JSON;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cleverrunner.docker.DockerConnector;
import org.cleverrunner.docker.internal.Archives;
import org.cleverrunner.docker.internal.Pipes;
import org.cleverrunner.docker.internal.CacheTransferProtocol.Event;
import org.cleverrunner.docker.internal.CacheTransferProtocol.Outcome;
import org.cleverrunner.docker.internal.CacheTransferProtocol.RestoreRequest;
import org.cleverrunner.docker.internal.CacheTransferProtocol.SaveRequest;
import org.cleverrunner.spi.CacheUrls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's side of a job's cache: the archive moves between the job's volume (through the local Docker socket)
 * and the store's pre-signed URLs (Cellar, in the VM's own zone), so it never crosses the runner host. Archives are
 * spooled to the VM's disk, never held in memory: a zip is read through its central directory, and an upload is one
 * PUT with its Content-Length. Pre-signed URLs are credentials: only their host and path are ever written anywhere.
 */
final class CacheEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(CacheEndpoints.class);
    private static final String API = "/v" + DockerConnector.DEFAULT_API_VERSION;
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
    private static final int UPLOAD_ATTEMPTS = 3;
    private static final Pattern XML_CODE = Pattern.compile("<Code>([^<]{1,100})</Code>");
    private static final Pattern XML_MESSAGE = Pattern.compile("<Message>([^<]{1,300})</Message>");

    private final DockerHttpClient docker;
    private final HttpClient http;
    private final AtomicLong transferredBytes = new AtomicLong();

    CacheEndpoints(DockerHttpClient docker) {
        this.docker = docker;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Bytes moved between this VM and the store so far (archives down and up). */
    long transferredBytes() {
        return transferredBytes.get();
    }

    /** Answers a restore request; {@code body} is the JSON request, {@code out} the answer's lines. */
    void restore(InputStream body, OutputStream out) throws IOException {
        RestoreRequest request = JSON.readValue(body, RestoreRequest.class);
        try (Events events = new Events(out)) {
            events.done(restore(request, events));
        }
    }

    /** Answers a save request. */
    void save(InputStream body, OutputStream out) throws IOException {
        SaveRequest request = JSON.readValue(body, SaveRequest.class);
        try (Events events = new Events(out)) {
            events.done(save(request, events));
        }
    }

    private Event restore(RestoreRequest request, Events events) {
        long started = System.nanoTime();
        URI url = checkedUrl(request.url());
        Path spool = null;
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(url).GET()
                    .timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() == 404) {
                    return Event.done(Outcome.MISSING, 0, 0, millis(started), null);
                }
                if (response.statusCode() != 200) {
                    return Event.done(Outcome.FAILED, 0, 0, millis(started), "GET " + CacheUrls.withoutQuery(url)
                            + ": " + storeError(response.statusCode(), in));
                }
                spool = Files.createTempFile("clever-runner-cache", ".zip");
                Files.copy(Pipes.counting(in, events.bytes::addAndGet), spool, StandardCopyOption.REPLACE_EXISTING);
            }
            long size = Files.size(spool);
            transferredBytes.addAndGet(size);
            LOG.debug("cache downloaded: {} bytes in {} ms", size, millis(started));
            Path archive = spool;
            AtomicReference<Archives.Summary> extracted = new AtomicReference<>();
            putArchive(request.container(), request.parentDir(), out -> {
                if (request.root()) {
                    extracted.set(Archives.extract(archive, out, request.leafName()));
                } else {
                    Pipes.piped("cache-tar", tar -> extracted.set(Archives.extract(archive, tar, request.leafName())),
                            in -> Archives.chown(in, out, request.uid(), request.gid()));
                }
            });
            LOG.debug("cache extracted into {}: {} ms since the start", request.container(), millis(started));
            return Event.done(Outcome.RESTORED, size, extracted.get(), millis(started));
        } catch (IOException | RuntimeException e) {
            return Event.done(Outcome.FAILED, 0, 0, millis(started), message(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Event.done(Outcome.FAILED, 0, 0, millis(started), "interrupted");
        } finally {
            delete(spool);
        }
    }

    private Event save(SaveRequest request, Events events) {
        long started = System.nanoTime();
        URI url = checkedUrl(request.url());
        Path spool = null;
        try {
            spool = Files.createTempFile("clever-runner-cache", ".zip");
            Archives.Summary summary;
            Archives.Format format = Archives.Format.parse(request.format()).value();
            Archives.CompressionLevel level = Archives.CompressionLevel.parse(request.level()).value();
            DockerHttpClient.Request get = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.GET)
                    .path(API + "/containers/" + encode(request.container()) + "/archive?path="
                            + encode(request.projectDir())).build();
            try (DockerHttpClient.Response response = docker.execute(get)) {
                if (response.getStatusCode() != 200) {
                    return Event.done(Outcome.FAILED, 0, 0, millis(started), "the Docker Engine answered "
                            + response.getStatusCode() + " for the project's files");
                }
                try (OutputStream archive = Files.newOutputStream(spool)) {
                    summary = Archives.archive(Pipes.counting(response.getBody(), events.bytes::addAndGet), archive,
                            new Archives.Selection(request.paths(), request.exclude(), request.untracked(),
                                    request.tracked() == null ? null : new HashSet<>(request.tracked())), format,
                            level);
                }
            }
            long size = Files.size(spool);
            if (summary.entries() == 0) {
                return Event.done(Outcome.EMPTY, size, summary, millis(started));
            }
            if (request.maxBytes() > 0 && size > request.maxBytes()) {
                return Event.done(Outcome.TOO_LARGE, size, summary, millis(started));
            }
            events.bytes.set(0);
            String failure = upload(url, request, spool, size, events);
            if (failure != null) {
                return Event.done(Outcome.FAILED, size, summary.entries(), millis(started), failure);
            }
            transferredBytes.addAndGet(size);
            return Event.done(Outcome.SAVED, size, summary, millis(started));
        } catch (IOException | RuntimeException e) {
            return Event.done(Outcome.FAILED, 0, 0, millis(started), message(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Event.done(Outcome.FAILED, 0, 0, millis(started), "interrupted");
        } finally {
            delete(spool);
        }
    }

    /** One PUT with the file's length, repeated on a 5xx or a cut connection; null when stored, else why not. */
    private String upload(URI url, SaveRequest request, Path file, long size, Events events)
            throws InterruptedException {
        String failure = null;
        for (int attempt = 1; attempt <= UPLOAD_ATTEMPTS; attempt++) {
            events.bytes.set(0);
            HttpRequest.Builder put = HttpRequest.newBuilder(url)
                    .PUT(counted(file, size, events.bytes)).timeout(Duration.ofHours(2));
            if (request.headers() != null) {
                request.headers().forEach(put::header);
            }
            try {
                HttpResponse<InputStream> response = http.send(put.build(), HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = response.body()) {
                    if (response.statusCode() / 100 == 2) {
                        return null;
                    }
                    failure = "PUT " + CacheUrls.withoutQuery(url) + ": " + storeError(response.statusCode(), in);
                    if (response.statusCode() < 500) {
                        return failure;
                    }
                }
            } catch (IOException e) {
                failure = "PUT " + CacheUrls.withoutQuery(url) + ": " + message(e);
            }
            LOG.info("cache upload attempt {} failed: {}", attempt, failure);
            if (attempt < UPLOAD_ATTEMPTS) {
                Thread.sleep(1000L * attempt);
            }
        }
        return failure + " (" + UPLOAD_ATTEMPTS + " attempts)";
    }

    /** The file as a request body with its Content-Length, counting what was sent. */
    private static HttpRequest.BodyPublisher counted(Path file, long size, AtomicLong sent) {
        HttpRequest.BodyPublisher whole;
        try {
            whole = HttpRequest.BodyPublishers.ofFile(file);
        } catch (java.io.FileNotFoundException e) {
            throw new UncheckedIOException(e);
        }
        return HttpRequest.BodyPublishers.fromPublisher(subscriber -> whole.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscriber.onSubscribe(subscription);
            }

            @Override
            public void onNext(ByteBuffer item) {
                sent.addAndGet(item.remaining());
                subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable throwable) {
                subscriber.onError(throwable);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        }), size);
    }

    private void putArchive(String container, String remoteDir, Pipes.Writer source)
            throws IOException, InterruptedException {
        AtomicReference<DockerHttpClient.Response> answer = new AtomicReference<>();
        Pipes.piped("cache-tar", source, in -> {
            DockerHttpClient.Request put = DockerHttpClient.Request.builder()
                    .method(DockerHttpClient.Request.Method.PUT)
                    .path(API + "/containers/" + encode(container) + "/archive?path=" + encode(remoteDir))
                    .putHeader("Content-Type", "application/x-tar")
                    .body(new java.io.BufferedInputStream(in, 256 * 1024)).build();
            answer.set(docker.execute(put));
        });
        try (DockerHttpClient.Response response = answer.get()) {
            if (response.getStatusCode() != 200) {
                byte[] body = response.getBody().readNBytes(500);
                throw new IOException("the Docker Engine refused the cache's files (" + response.getStatusCode()
                        + "): " + new String(body, StandardCharsets.UTF_8).strip());
            }
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /** An http(s) URL; anything else (file:, jar:…) is refused: the gateway fetches nothing but the store. */
    private static URI checkedUrl(String text) {
        URI url = URI.create(text);
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
            throw new IllegalArgumentException("a cache URL must be http or https");
        }
        return url;
    }

    /** S3's answer in a few words: status, error code and message (the body never holds a signature). */
    private static String storeError(int status, InputStream body) throws IOException {
        String text = new String(body.readNBytes(4096), StandardCharsets.UTF_8);
        StringBuilder message = new StringBuilder("HTTP ").append(status);
        Matcher code = XML_CODE.matcher(text);
        if (code.find()) {
            message.append(' ').append(code.group(1));
        }
        Matcher detail = XML_MESSAGE.matcher(text);
        if (detail.find()) {
            message.append(": ").append(detail.group(1));
        }
        return message.toString();
    }

    private static String message(Throwable e) {
        String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        // an HTTP client's message may quote the URL it was given: keep host and path only
        return text.replaceAll("\\?[^\\s\"']*", "?…");
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static long millis(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    private static void delete(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("cannot delete {}: {}", file, e.toString());
            }
        }
    }

    /** The answer's lines: a progress line every two seconds while bytes move, then the outcome. */
    private static final class Events implements AutoCloseable {
        final AtomicLong bytes = new AtomicLong();
        private final OutputStream out;
        private final long started = System.nanoTime();
        private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "cache-progress");
            thread.setDaemon(true);
            return thread;
        });

        Events(OutputStream out) {
            this.out = out;
            ticker.scheduleAtFixedRate(() -> write(Event.progress(bytes.get(), millis(started))),
                    PROGRESS_EVERY.toMillis(), PROGRESS_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        }

        void done(Event event) {
            ticker.shutdownNow();
            write(event);
        }

        private synchronized void write(Event event) {
            try {
                out.write(JSON.writeValueAsBytes(event));
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                LOG.debug("the executor stopped reading cache events: {}", e.toString());
            }
        }

        @Override
        public void close() {
            ticker.shutdownNow();
        }
    }
}
