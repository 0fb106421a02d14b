package org.cleverrunner.spi;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * URLs through which a job's host moves one cache archive itself, so the archive never passes through the runner
 * (S3 pre-signed URLs, as GitLab Runner's manager hands its helper). A GET answered 404 means no cache; the upload is
 * one PUT with a Content-Length and exactly {@code uploadHeaders} (they are signed), of at most
 * {@code maxUploadBytes} (the store's limit, e.g. S3's 5 GiB single PUT or MaxUploadedArchiveSize). The URLs are
 * credentials until {@code expires}: {@link #toString()} shows neither query nor signature.
 */
public record CacheUrls(URI download, URI upload, Map<String, String> uploadHeaders, Instant expires,
        long maxUploadBytes) {

    public CacheUrls {
        Objects.requireNonNull(download, "download");
        Objects.requireNonNull(upload, "upload");
        Objects.requireNonNull(expires, "expires");
        uploadHeaders = Map.copyOf(uploadHeaders == null ? Map.of() : uploadHeaders);
        if (maxUploadBytes <= 0) {
            throw new IllegalArgumentException("maxUploadBytes must be positive, got " + maxUploadBytes);
        }
    }

    /** Scheme, host and path of a URL: what a log may say about it. */
    public static String withoutQuery(URI url) {
        return url.getScheme() + "://" + url.getRawAuthority() + url.getRawPath();
    }

    @Override
    public String toString() {
        return "CacheUrls[" + withoutQuery(download) + ", expires " + expires + "]";
    }
}
