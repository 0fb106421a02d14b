package org.cleverrunner.docker.internal;

import static org.cleverrunner.docker.internal.CacheTransferProtocol.JSON;
import static org.cleverrunner.docker.internal.Messages.oneLine;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.cleverrunner.docker.internal.CacheTransferProtocol.Event;
import org.cleverrunner.docker.internal.CacheTransferProtocol.Outcome;
import org.cleverrunner.docker.internal.CacheTransferProtocol.RestoreRequest;
import org.cleverrunner.docker.internal.CacheTransferProtocol.SaveRequest;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.CacheUrls;

/**
 * The archive moves on the job's host: the runner signs the store's URLs for the key and asks the host's gateway to
 * move the files between the volume and the store itself, reading its progress as it goes. Only the request (a few
 * URLs and the tracked-file list) and the events cross the runner host. Falls back to the runner when the store has
 * no URLs or the gateway does not know the endpoint (an older gateway).
 */
final class GatewayCacheTransfer implements CacheTransfer {

    private final CacheStore store;
    private final DockerHttpClient gateway;
    private final BuildVolume volume;
    private final BuildPaths paths;
    private final Duration validity;
    private final CacheTransfer fallback;
    private boolean gatewayLacksEndpoint;

    GatewayCacheTransfer(CacheStore store, DockerHttpClient gateway, BuildVolume volume, BuildPaths paths,
            Duration validity, CacheTransfer fallback) {
        this.store = store;
        this.gateway = gateway;
        this.volume = volume;
        this.paths = paths;
        this.validity = validity;
        this.fallback = fallback;
    }

    @Override
    public Event restore(String key, LongConsumer progress) throws InterruptedException {
        Optional<CacheUrls> urls = urls(key);
        if (urls.isEmpty()) {
            return fallback.restore(key, progress);
        }
        JobUser.Owner owner = volume.owner();
        RestoreRequest request = new RestoreRequest(volume.container(), urls.get().download().toString(),
                paths.parentDir(), paths.leafName(), owner.isRoot(), owner.uid(), owner.gid());
        Event done = call(CacheTransferProtocol.RESTORE_PATH, request, progress);
        return done != null ? done : fallback.restore(key, progress);
    }

    @Override
    public Event save(String key, Archives.Selection selection, Archives.Format format,
            Archives.CompressionLevel level, LongConsumer progress) throws InterruptedException {
        Optional<CacheUrls> urls = urls(key);
        if (urls.isEmpty()) {
            return fallback.save(key, selection, format, level, progress);
        }
        SaveRequest request = new SaveRequest(volume.container(), paths.projectDir(), urls.get().upload().toString(),
                urls.get().uploadHeaders(), selection.paths(), selection.exclude(), selection.untracked(),
                selection.tracked() == null ? null : new ArrayList<>(selection.tracked()), urls.get().maxUploadBytes(),
                format.id(), level.id());
        Event done = call(CacheTransferProtocol.SAVE_PATH, request, progress);
        return done != null ? done : fallback.save(key, selection, format, level, progress);
    }

    private Optional<CacheUrls> urls(String key) {
        return gatewayLacksEndpoint ? Optional.empty() : store.urls(key, validity);
    }

    /** The gateway's outcome, or null when it does not serve the endpoint. */
    private Event call(String path, Object request, LongConsumer progress) throws InterruptedException {
        long started = System.nanoTime();
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(request);
        } catch (IOException e) {
            return Event.done(Outcome.FAILED, 0, 0, 0, oneLine(e));
        }
        DockerHttpClient.Request post = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.POST)
                .path(path).headers(Map.of("Content-Type", "application/json")).bodyBytes(body).build();
        try (DockerHttpClient.Response response = gateway.execute(post)) {
            if (response.getStatusCode() == 404 || response.getStatusCode() == 403) {
                gatewayLacksEndpoint = true;
                return null;
            }
            if (response.getStatusCode() != 200) {
                return Event.done(Outcome.FAILED, 0, 0, elapsed(started), "the host's gateway answered "
                        + response.getStatusCode());
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(response.getBody(),
                    StandardCharsets.UTF_8));
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                Event event = JSON.readValue(line, Event.class);
                if (event.isDone()) {
                    return event;
                }
                progress.accept(event.bytes());
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while the host moved the cache");
                }
            }
            return Event.done(Outcome.FAILED, 0, 0, elapsed(started), "the host's gateway ended its answer early");
        } catch (IOException | RuntimeException e) {
            return Event.done(Outcome.FAILED, 0, 0, elapsed(started), "the host's gateway failed: " + oneLine(e));
        }
    }

    private static long elapsed(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
