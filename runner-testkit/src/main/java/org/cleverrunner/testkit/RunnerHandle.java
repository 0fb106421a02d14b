package org.cleverrunner.testkit;

import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A runner known to the fake. This is a live view: {@link #token()} changes after a token reset, and
 * {@link #systemIds()} grows as runner managers contact the fake.
 */
public final class RunnerHandle {

    private final long id;
    private final Set<String> tags;
    private final boolean runUntagged;
    private final String description;
    private final Set<String> systemIds = ConcurrentHashMap.newKeySet();
    private volatile String token;
    private volatile Instant tokenExpiresAt;
    private volatile boolean cancelGracefully;
    private volatile boolean paused;
    private volatile Instant contactedAt;

    RunnerHandle(long id, String token, Set<String> tags, boolean runUntagged, String description) {
        this.id = id;
        this.token = token;
        this.tags = Set.copyOf(tags);
        this.runUntagged = runUntagged;
        this.description = description;
    }

    public long id() {
        return id;
    }

    /** The current authentication token ({@code glrt-...} for runners registered through the API). */
    public String token() {
        return token;
    }

    public Set<String> tags() {
        return tags;
    }

    public boolean runUntagged() {
        return runUntagged;
    }

    public String description() {
        return description;
    }

    /** The system_ids (runner managers) seen in verify and job requests. */
    public Set<String> systemIds() {
        return Set.copyOf(systemIds);
    }

    /** Whether the last job request advertised {@code features.cancel_gracefully}. */
    public boolean cancelGracefully() {
        return cancelGracefully;
    }

    /** When the runner last authenticated successfully, or null. */
    public Instant contactedAt() {
        return contactedAt;
    }

    /** A paused runner gets 204 from jobs/request. */
    public boolean paused() {
        return paused;
    }

    public void pause(boolean paused) {
        this.paused = paused;
    }

    Instant tokenExpiresAt() {
        return tokenExpiresAt;
    }

    void token(String token, Instant expiresAt) {
        this.token = token;
        this.tokenExpiresAt = expiresAt;
    }

    void cancelGracefully(boolean value) {
        this.cancelGracefully = value;
    }

    void contacted(Instant when) {
        this.contactedAt = when;
    }

    void addSystemId(String systemId) {
        if (systemId != null && !systemId.isEmpty()) {
            systemIds.add(systemId);
        }
    }

    boolean removeSystemId(String systemId) {
        return systemIds.remove(systemId);
    }

    /** Rails' matching: the job's tags are a subset of the runner's, or the job is untagged and run_untagged is on. */
    boolean canRun(Set<String> jobTags) {
        if (paused) {
            return false;
        }
        if (jobTags.isEmpty()) {
            return runUntagged;
        }
        return tags.containsAll(jobTags);
    }

    @Override
    public String toString() {
        return "RunnerHandle[id=" + id + ", tags=" + tags + ", runUntagged=" + runUntagged + ", token=[MASKED]]";
    }
}
