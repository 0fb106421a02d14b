package org.cleverrunner.spi;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Moves a job's artifacts to and from the coordinator, on the engine's behalf, with the job's own credentials.
 * The executor builds and reads the archives; the engine knows where they go.
 */
public interface ArtifactTransfer {

    /** Writes the dependency's artifacts archive (a zip) into {@code out}; false when it has none (404). */
    boolean download(JobPlan.DependencySpec dependency, OutputStream out) throws IOException;

    /**
     * Uploads an archive built for this rule.
     *
     * @return null when uploaded, else a one-line reason for the job's log (too large, forbidden…)
     */
    String upload(JobPlan.ArtifactRule rule, String filename, Path archive) throws IOException;

    /** For jobs without artifacts, or executors tested without a coordinator. */
    ArtifactTransfer NONE = new ArtifactTransfer() {
        @Override
        public boolean download(JobPlan.DependencySpec dependency, OutputStream out) {
            return false;
        }

        @Override
        public String upload(JobPlan.ArtifactRule rule, String filename, Path archive) {
            return "artifacts are not supported here";
        }
    };
}
