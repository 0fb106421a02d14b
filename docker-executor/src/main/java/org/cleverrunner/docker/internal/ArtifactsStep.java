package org.cleverrunner.docker.internal;

import static org.cleverrunner.docker.internal.Messages.error;
import static org.cleverrunner.docker.internal.Messages.oneLine;
import static org.cleverrunner.docker.internal.Messages.warning;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.cleverrunner.spi.ArtifactTransfer;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Trace;

/**
 * download_artifacts (the dependencies' zips extracted into the project) and upload_artifacts (each rule's files,
 * zip or multi-member gzip, handed to the coordinator).
 */
final class ArtifactsStep {

    private final ArtifactTransfer transfer;
    private final BuildVolume volume;
    private final BuildPaths paths;
    private final Trace trace;

    ArtifactsStep(ArtifactTransfer transfer, BuildVolume volume, BuildPaths paths, Trace trace) {
        this.transfer = transfer;
        this.volume = volume;
        this.paths = paths;
        this.trace = trace;
    }

    /** Returns why the job cannot go on, or null. */
    String download(List<JobPlan.DependencySpec> dependencies) {
        for (JobPlan.DependencySpec dependency : dependencies) {
            String label = dependency.name() + " (" + dependency.jobId() + ")";
            trace.line("Downloading artifacts for " + label + "...");
            Path zip = null;
            try {
                zip = Files.createTempFile("clever-runner-deps", ".zip");
                boolean found;
                try (OutputStream out = Files.newOutputStream(zip)) {
                    found = transfer.download(dependency, out);
                }
                if (!found) {
                    return "the artifacts of " + label + " are not available";
                }
                Path source = zip;
                AtomicReference<Archives.Summary> extracted = new AtomicReference<>();
                volume.upload(paths.parentDir(), out -> extracted.set(Archives.extract(source, out,
                        paths.leafName())));
                trace.line("Downloaded artifacts for " + label);
                skipped(extracted.get());
            } catch (IOException | InterruptedException | RuntimeException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return "downloading the artifacts of " + dependency.name() + " failed: " + oneLine(e);
            } finally {
                Closing.delete(zip);
            }
        }
        return null;
    }

    /** Returns why an upload failed, or null. */
    String upload(List<JobPlan.ArtifactRule> rules, boolean succeeded, Set<String> trackedFiles) {
        String problem = null;
        for (JobPlan.ArtifactRule rule : rules) {
            if (!Rules.applies(rule.when(), succeeded)) {
                continue;
            }
            Path archive = null;
            try {
                archive = Files.createTempFile("clever-runner-artifacts", ".zip");
                Archives.Selection selection = new Archives.Selection(rule.paths(), rule.exclude(), rule.untracked(),
                        trackedFiles);
                int files;
                String filename;
                if ("zip".equals(rule.format())) {
                    Archives.Summary zipped = volume.archiveProject(archive, selection, Archives.Format.ZIP,
                            Archives.CompressionLevel.DEFAULT);
                    skipped(zipped);
                    files = zipped.entries();
                    filename = "artifacts.zip";
                } else if ("gzip".equals(rule.format())) {
                    files = volume.gzipProject(archive, selection);
                    filename = (rule.name() == null ? rule.type() : rule.name()) + ".gz";
                } else {
                    trace.line(warning("artifact format " + rule.format() + " is not supported, skipped"));
                    continue;
                }
                if (files == 0) {
                    trace.line(warning(String.join(", ", rule.paths()) + ": no matching files"));
                    continue;
                }
                trace.line("Uploading artifacts (" + files + " file(s), " + Files.size(archive)
                        + " bytes) to coordinator...");
                String refused = transfer.upload(rule, filename, archive);
                if (refused == null) {
                    trace.line("Uploading artifacts as \"" + rule.type() + "\" to coordinator... ok");
                } else {
                    trace.line(error("Uploading artifacts as \"" + rule.type() + "\" to coordinator... " + refused));
                    problem = "uploading artifacts failed: " + refused;
                }
            } catch (IOException | RuntimeException e) {
                trace.line(error("uploading artifacts failed: " + oneLine(e)));
                problem = "uploading artifacts failed: " + oneLine(e);
            } finally {
                Closing.delete(archive);
            }
        }
        return problem;
    }

    /** The entries an archive left out, one warning each, so that a missing file or link is explained. */
    private void skipped(Archives.Summary summary) {
        if (summary != null) {
            summary.skipped().forEach(line -> trace.line(warning(line)));
        }
    }
}
