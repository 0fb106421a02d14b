package org.cleverrunner.coordinator;

import java.util.List;
import java.util.Objects;

/**
 * Legacy registration with a registration token ({@code POST /runners}). Runners created in the UI have a
 * {@code glrt-} token instead and are {@linkplain CoordinatorClient#verify verified}, not registered.
 */
public record RegistrationRequest(
        String registrationToken,
        String description,
        List<String> tags,
        boolean runUntagged,
        boolean locked,
        boolean paused,
        String accessLevel,
        long maximumTimeoutSeconds,
        String maintenanceNote) {

    public RegistrationRequest {
        Objects.requireNonNull(registrationToken, "registrationToken");
        tags = List.copyOf(tags == null ? List.of() : tags);
    }

    public static RegistrationRequest of(String registrationToken, String description, List<String> tags) {
        return new RegistrationRequest(registrationToken, description, tags, tags == null || tags.isEmpty(), false,
                false, null, 0, null);
    }

    @Override
    public String toString() {
        return "RegistrationRequest[description=" + description + ", tags=" + tags + ", runUntagged=" + runUntagged
                + ", registrationToken=[MASKED]]";
    }
}
