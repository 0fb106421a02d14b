package org.cleverrunner.testkit;

/** Entry point for job builders: {@code fake.enqueue(Jobs.job("build").script("make"))}. */
public final class Jobs {
    private Jobs() {
    }

    /** A builder for a realistic job named {@code name} (stage {@code test}, script {@code echo hello}). */
    public static JobBuilder job(String name) {
        return new JobBuilder(name);
    }
}
