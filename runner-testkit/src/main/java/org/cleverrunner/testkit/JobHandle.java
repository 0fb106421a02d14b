package org.cleverrunner.testkit;

/**
 * A job enqueued in the fake: its id and its job token ({@code glcbt-...}).
 */
public record JobHandle(long id, String token, String name) {
    @Override
    public String toString() {
        return "JobHandle[id=" + id + ", name=" + name + ", token=[MASKED]]";
    }
}
