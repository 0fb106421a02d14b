package org.cleverrunner.core;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Objects;
import org.cleverrunner.coordinator.ArtifactDownloadResult;
import org.cleverrunner.coordinator.ArtifactSource;
import org.cleverrunner.coordinator.ArtifactUpload;
import org.cleverrunner.coordinator.ArtifactUploadResult;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.CoordinatorException;
import org.cleverrunner.spi.ArtifactTransfer;
import org.cleverrunner.spi.JobPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the running job's artifacts through the coordinator with the job's own token: uploads its archives and
 * downloads its dependencies' (asking for a direct download, so large archives come from object storage). Messages
 * and exceptions never contain the token.
 */
public final class CoordinatorArtifactTransfer implements ArtifactTransfer {

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorArtifactTransfer.class);
    private static final int MAX_MESSAGE = 200;

    private final CoordinatorClient client;
    private final long jobId;
    private final String jobToken;

    /**
     * @param jobId the running job's id (where uploads go)
     * @param jobToken the running job's token, which also authorises its dependencies' downloads
     */
    public CoordinatorArtifactTransfer(CoordinatorClient client, long jobId, String jobToken) {
        this.client = Objects.requireNonNull(client, "client");
        this.jobId = jobId;
        this.jobToken = Objects.requireNonNull(jobToken, "jobToken");
    }

    @Override
    public boolean download(JobPlan.DependencySpec dependency, OutputStream out) throws IOException {
        Objects.requireNonNull(dependency, "dependency");
        Objects.requireNonNull(out, "out");
        String what = "artifacts of job " + dependency.jobId()
                + (dependency.name() == null ? "" : " (" + dependency.name() + ")");
        ArtifactDownloadResult result;
        try {
            result = client.downloadArtifacts(dependency.jobId(), jobToken, out, true);
        } catch (CoordinatorException e) {
            // the client's messages are token-free; keep them, as an IOException the executor expects
            throw new IOException("cannot download the " + what + ": " + e.getMessage(), e);
        }
        LOG.debug("download of the {} for job {} -> {} {}", what, jobId, result.status(), result.outcome());
        return switch (result.outcome()) {
            case DOWNLOADED -> true;
            case NOT_FOUND -> false;
            case UNAUTHORIZED -> throw new IOException("cannot download the " + what
                    + ": unauthorized (401), the job token was refused");
            case FORBIDDEN -> throw new IOException("cannot download the " + what
                    + ": forbidden (403), this job may not read them or is no longer running");
            case FAILED -> throw new IOException("cannot download the " + what + ": the coordinator answered "
                    + result.status());
        };
    }

    @Override
    public String upload(JobPlan.ArtifactRule rule, String filename, Path archive) throws IOException {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(archive, "archive");
        ArtifactUploadResult result;
        try {
            result = client.uploadArtifacts(jobId, jobToken, new ArtifactUpload(filename,
                    ArtifactSource.ofFile(archive), rule.type(), rule.format(), rule.expireIn()));
        } catch (CoordinatorException e) {
            throw new IOException("cannot upload artifacts " + filename + ": " + e.getMessage(), e);
        }
        LOG.debug("upload of {} for job {} -> {} {}", filename, jobId, result.status(), result.outcome());
        return switch (result.outcome()) {
            case UPLOADED -> null;
            case TOO_LARGE -> "too large for the instance (413)";
            case FORBIDDEN -> "forbidden (403): job is no longer running";
            case FAILED -> "upload failed (" + result.status() + ")" + detail(result.message());
        };
    }

    /** The coordinator's own words, on one line and short. */
    private String detail(String message) {
        if (message == null || message.isBlank()) {
            return "";
        }
        String line = message.replaceAll("[\\r\\n\\t]+", " ").strip();
        if (line.contains(jobToken)) {
            // the client already redacts; this is a last guard for the job log
            line = line.replace(jobToken, "[MASKED]");
        }
        return ": " + (line.length() > MAX_MESSAGE ? line.substring(0, MAX_MESSAGE) + "…" : line);
    }
}
