package org.cleverrunner.testkit;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.cleverrunner.coordinator.payload.JobPayload;

/**
 * A snapshot of a job in the fake.
 *
 * @param id               job id
 * @param name             job name
 * @param state            current status
 * @param runnerId         the runner the job was handed out to, or null while unassigned
 * @param failureReason    failure_reason of the accepted final update, or null
 * @param exitCode         exit_code of the accepted final update, or null
 * @param reportedChecksum the trace checksum the runner reported ({@code output.checksum}, else {@code checksum}), or null
 * @param reportedBytesize the trace size the runner reported ({@code output.bytesize}), or null
 * @param trace            the stored trace bytes
 * @param payload          the payload as built at enqueue time, as the coordinator client parses it (without the
 *                         {@code artifacts_file} of dependencies, added at hand-out), or null if the client refuses
 *                         it (a payload broken on purpose with {@link JobBuilder#edit})
 */
public record JobView(long id, String name, JobState state, Long runnerId, String failureReason, Integer exitCode,
                      String reportedChecksum, Long reportedBytesize, byte[] trace, JobPayload payload) {

    /** The final state, or null if the job is not final yet. */
    public JobState finalState() {
        return state.isFinal() ? state : null;
    }

    public boolean isFinal() {
        return state.isFinal();
    }

    public Optional<Long> assignedRunner() {
        return Optional.ofNullable(runnerId);
    }

    /** The trace decoded as UTF-8. */
    public String traceText() {
        return new String(trace, StandardCharsets.UTF_8);
    }

    /** {@code crc32:%08x} of the stored trace, in the runner's format. */
    public String traceChecksum() {
        return FakeCoordinator.crc32(trace);
    }

    @Override
    public String toString() {
        return "JobView[id=" + id + ", name=" + name + ", state=" + state + ", runner=" + runnerId
                + ", failureReason=" + failureReason + ", exitCode=" + exitCode + ", traceBytes=" + trace.length + "]";
    }
}
