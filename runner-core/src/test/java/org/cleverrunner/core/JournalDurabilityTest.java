package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.cleverrunner.coordinator.FailureReason;
import org.cleverrunner.coordinator.JobState;
import org.cleverrunner.coordinator.TraceBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's final states and the trace spool, on disk. */
class JournalDurabilityTest {

    @TempDir
    Path dir;

    @Test
    void aFinalStateIsJournaledAndReadBackAsItWasDecided() throws Exception {
        Path file = dir.resolve("journal.json");
        Journal journal = new Journal(file);
        journal.jobStarted(new Journal.JobEntry("r", "http://gitlab.invalid/", 42, "glcbt-jobtoken", Instant.EPOCH,
                "traces/42-r.trace", null));
        assertThat(journal.jobFinalState("r", 42, Journal.FinalState.of(JobState.FAILED,
                FailureReason.SCRIPT_FAILURE, 3, "crc32:0badf00d", 1234, Instant.EPOCH))).isTrue();
        assertThat(journal.jobFinalState("r", 43, Journal.FinalState.of(JobState.SUCCESS, null, null, null, 0,
                Instant.EPOCH))).as("no entry is invented for an unknown job").isFalse();

        Journal.JobEntry read = Journal.read(file).jobs().get(0);
        assertThat(read.trace()).isEqualTo("traces/42-r.trace");
        assertThat(read.finalState().jobState()).isEqualTo(JobState.FAILED);
        assertThat(read.finalState().reason()).isEqualTo(FailureReason.SCRIPT_FAILURE);
        assertThat(read.finalState().exitCode()).isEqualTo(3);
        assertThat(read.finalState().checksum()).isEqualTo("crc32:0badf00d");
        assertThat(read.finalState().bytesize()).isEqualTo(1234);
        String text = Files.readString(file);
        assertThat(text).contains("\"state\" : \"failed\"", "\"failureReason\" : \"script_failure\"");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(read.toString()).doesNotContain("glcbt-jobtoken");
    }

    @Test
    void aNewOwnerLoadsWhatThePreviousRunLeftAndKeepsItUntilItEnds() {
        Path file = dir.resolve("journal.json");
        Journal crashed = new Journal(file);
        crashed.jobStarted(new Journal.JobEntry("r", "u", 1, "t1", Instant.EPOCH));
        crashed.jobStarted(new Journal.JobEntry("r", "u", 2, "t2", Instant.EPOCH));

        Journal next = new Journal(file);
        assertThat(next.load().jobs()).hasSize(2);
        next.jobStarted(new Journal.JobEntry("r", "u", 3, "t3", Instant.EPOCH));
        assertThat(Journal.read(file).jobs()).extracting(Journal.JobEntry::jobId).containsExactly(1L, 2L, 3L);
        next.jobEnded("r", 1);
        assertThat(Journal.read(file).jobs()).extracting(Journal.JobEntry::jobId).containsExactly(2L, 3L);
    }

    @Test
    void aJournalOfTheEarlierFormatStillReads() throws Exception {
        Path file = dir.resolve("journal.json");
        Files.writeString(file, "{\"jobs\":[{\"runner\":\"r\",\"url\":\"u\",\"jobId\":7,\"jobToken\":\"t\","
                + "\"startedAt\":\"2026-01-01T00:00:00Z\"}],\"hosts\":[]}");
        Journal.JobEntry entry = Journal.read(file).jobs().get(0);
        assertThat(entry.jobId()).isEqualTo(7);
        assertThat(entry.trace()).isNull();
        assertThat(entry.finalState()).isNull();
    }

    @Test
    void theSpoolHoldsEveryByteWithTheChecksumTheBufferReports() throws Exception {
        Path journal = dir.resolve("journal.json");
        TraceSpool spool = TraceSpool.create(journal, "gitlab.example.com/x", 42);
        assertThat(spool.name()).isEqualTo("traces/42-gitlab.example.com_x.trace");
        Path file = TraceSpool.resolve(journal, spool.name());
        TraceBuffer buffer = new TraceBuffer();
        for (int i = 0; i < 5000; i++) {
            byte[] line = ("line " + i + " \u00e9\n").getBytes(StandardCharsets.UTF_8);
            spool.append(line, 0, line.length);
            buffer.append(line);
        }
        spool.force();
        spool.close();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        assertThat(TraceSpool.summary(file)).isEqualTo(new TraceSpool.Summary(buffer.checksum(), buffer.size()));
        TraceBuffer loaded = TraceSpool.load(file, -1);
        assertThat(loaded.toByteArray()).isEqualTo(buffer.toByteArray());
        assertThat(TraceSpool.load(file, 10).size()).isEqualTo(10);
        assertThat(TraceSpool.load(dir.resolve("missing.trace"), -1)).isNull();
    }

    @Test
    void theAbandonedLineIsAppendedOnceEvenWhenRecoveryRunsTwice() throws Exception {
        Path file = dir.resolve("traces/1-r.trace");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "output so far\n");
        byte[] line = Engine.ABANDONED_LINE.getBytes(StandardCharsets.UTF_8);

        TraceSpool.appendOnce(file, line);
        TraceSpool.appendOnce(file, line);

        assertThat(Files.readString(file)).isEqualTo("output so far\n" + Engine.ABANDONED_LINE);
        TraceSpool.appendOnce(dir.resolve("traces/2-r.trace"), line);
        assertThat(Files.readString(dir.resolve("traces/2-r.trace"))).isEqualTo(Engine.ABANDONED_LINE);
    }

    @Test
    void aDeletedSpoolLeavesNoFile() {
        Path journal = dir.resolve("journal.json");
        TraceSpool spool = TraceSpool.create(journal, "r", 5);
        spool.append("x".getBytes(), 0, 1);
        spool.delete();
        assertThat(TraceSpool.resolve(journal, TraceSpool.relativeName("r", 5))).doesNotExist();
        assertThat(TraceSpool.create(null, "r", 6).name()).as("no journal file, no spool").isNull();
    }
}
