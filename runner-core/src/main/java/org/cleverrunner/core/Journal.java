package org.cleverrunner.core;

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
import java.util.Map;
import java.util.Objects;

/**
 * What the runner holds, on disk, so that a runner killed mid-job can clean up after itself on its next start:
 * the jobs it acquired (with the job token, the one credential needed to fail them) and the hosts it acquired.
 * Never the runner token. A small JSON file replaced atomically, mode 0600. Thread-safe.
 */
public final class Journal {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .configure(SerializationFeature.INDENT_OUTPUT, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A job this runner confirmed and has not finished. */
    public record JobEntry(String runner, String url, long jobId, String jobToken, Instant startedAt) {
        public JobEntry {
            Objects.requireNonNull(runner, "runner");
        }

        @Override
        public String toString() {
            return "JobEntry[runner=" + runner + ", url=" + url + ", jobId=" + jobId + ", jobToken=[MASKED]]";
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
