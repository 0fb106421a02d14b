package org.cleverrunner.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.cleverrunner.coordinator.FailureReason;
import org.cleverrunner.coordinator.JobState;

/**
 * What the runner holds, on disk, so that a runner killed mid-job can clean up after itself on its next start:
 * the jobs it acquired (with the job token, the one credential needed to report them, the file its trace is
 * spooled to, and once decided their final state) and the hosts it acquired. Never the runner token. A small
 * JSON file replaced atomically, mode 0600. Thread-safe.
 *
 * <p>A job's final state is written here before it is sent, and the job's entry leaves only once the coordinator
 * took that state or refused it for good: a crash in between leaves the very same update to send again.
 */
public final class Journal {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .configure(SerializationFeature.INDENT_OUTPUT, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * A job this runner confirmed and whose final state the coordinator has not taken yet.
     *
     * @param trace the job's trace spool, relative to the journal's directory; null when none is kept
     * @param finalState null while the job runs
     */
    public record JobEntry(String runner, String url, long jobId, String jobToken, Instant startedAt, String trace,
            FinalState finalState) {
        @JsonCreator
        public JobEntry {
            Objects.requireNonNull(runner, "runner");
        }

        public JobEntry(String runner, String url, long jobId, String jobToken, Instant startedAt) {
            this(runner, url, jobId, jobToken, startedAt, null, null);
        }

        public JobEntry withFinalState(FinalState state) {
            return new JobEntry(runner, url, jobId, jobToken, startedAt, trace, state);
        }

        @Override
        public String toString() {
            return "JobEntry[runner=" + runner + ", url=" + url + ", jobId=" + jobId + ", jobToken=[MASKED], trace="
                    + trace + ", finalState=" + finalState + "]";
        }
    }

    /**
     * The final update as decided, to be sent (again) exactly as it is: the wire names of the state and failure
     * reason, the exit code, and the checksum ({@code crc32:%08x}) and size of the whole trace it reports.
     */
    public record FinalState(String state, String failureReason, Integer exitCode, String checksum, long bytesize,
            Instant decidedAt) {
        public FinalState {
            Objects.requireNonNull(state, "state");
        }

        public static FinalState of(JobState state, FailureReason reason, Integer exitCode, String checksum,
                long bytesize, Instant decidedAt) {
            return new FinalState(state.wireName(), reason == null ? null : reason.wireName(), exitCode, checksum,
                    bytesize, decidedAt);
        }

        public JobState jobState() {
            return JobState.valueOf(state.toUpperCase(Locale.ROOT));
        }

        /** Null when none was decided. */
        public FailureReason reason() {
            return failureReason == null ? null : FailureReason.valueOf(failureReason.toUpperCase(Locale.ROOT));
        }
    }

    /** A host lent to a job and not yet given back. */
    public record HostEntry(String runner, long jobId, String provisioner, String hostId, String endpoint,
            Map<String, String> attributes) {
        public HostEntry {
            attributes = Map.copyOf(attributes == null ? Map.of() : attributes);
        }
    }

    /** The file's content. */
    public record State(List<JobEntry> jobs, List<HostEntry> hosts) {
        public State {
            jobs = List.copyOf(jobs == null ? List.of() : jobs);
            hosts = List.copyOf(hosts == null ? List.of() : hosts);
        }

        public static State empty() {
            return new State(List.of(), List.of());
        }

        public boolean isEmpty() {
            return jobs.isEmpty() && hosts.isEmpty();
        }
    }

    private final Path file;
    private final List<JobEntry> jobs = new ArrayList<>();
    private final List<HostEntry> hosts = new ArrayList<>();

    /** A journal kept in {@code file}, or only in memory when {@code file} is null. */
    public Journal(Path file) {
        this.file = file;
    }

    /** What a previous run left, or an empty state when there is no file. */
    public static State read(Path file) {
        if (file == null || !Files.exists(file)) {
            return State.empty();
        }
        try {
            return JSON.readValue(file.toFile(), State.class);
        } catch (IOException e) {
            throw new UncheckedIOException("the journal " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    public synchronized void jobStarted(JobEntry job) {
        jobs.add(job);
        save();
    }

    /**
     * Records a job's final state before it is sent; returns false when the job is not in the journal (it then
     * keeps no entry: nothing is invented).
     */
    public synchronized boolean jobFinalState(String runner, long jobId, FinalState state) {
        for (int i = 0; i < jobs.size(); i++) {
            JobEntry job = jobs.get(i);
            if (job.runner().equals(runner) && job.jobId() == jobId) {
                jobs.set(i, job.withFinalState(state));
                save();
                return true;
            }
        }
        return false;
    }

    /** The entry of a job, or null. */
    public synchronized JobEntry job(String runner, long jobId) {
        return jobs.stream().filter(job -> job.runner().equals(runner) && job.jobId() == jobId).findFirst()
                .orElse(null);
    }

    /**
     * Takes in what the file holds (a previous run's jobs and hosts, kept until they are dealt with) and returns
     * it. Called once, by the journal's owner, before anything is recorded.
     */
    public synchronized State load() {
        State previous = read(file);
        jobs.clear();
        hosts.clear();
        jobs.addAll(previous.jobs());
        hosts.addAll(previous.hosts());
        return previous;
    }

    /** The journal's file, or null when it is kept only in memory. */
    public Path file() {
        return file;
    }

    public synchronized void jobEnded(String runner, long jobId) {
        if (jobs.removeIf(job -> job.runner().equals(runner) && job.jobId() == jobId)) {
            save();
        }
    }

    public synchronized void hostAcquired(HostEntry host) {
        hosts.add(host);
        save();
    }

    public synchronized void hostReleased(String runner, long jobId, String hostId) {
        if (hosts.removeIf(host -> host.runner().equals(runner) && host.jobId() == jobId
                && host.hostId().equals(hostId))) {
            save();
        }
    }

    /** Forgets a host released by the reaper, whoever held it. */
    public synchronized void hostReleasedById(String hostId) {
        if (hosts.removeIf(host -> host.hostId().equals(hostId))) {
            save();
        }
    }

    /** Empties the journal (after a recovery dealt with what it held). */
    public synchronized void clear() {
        jobs.clear();
        hosts.clear();
        save();
    }

    public synchronized State snapshot() {
        return new State(jobs, hosts);
    }

    private void save() {
        if (file == null) {
            return;
        }
        try {
            Path directory = file.toAbsolutePath().getParent();
            Files.createDirectories(directory);
            Path temporary = directory.resolve("." + file.getFileName() + ".tmp");
            Files.deleteIfExists(temporary);
            try {
                Files.createFile(temporary, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
                Files.writeString(temporary, "");
            }
            JSON.writeValue(temporary.toFile(), new State(jobs, hosts));
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the journal " + file + " cannot be written: " + e.getMessage(), e);
        }
    }
}
