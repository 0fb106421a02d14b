package org.cleverrunner.docker.internal;

import static org.cleverrunner.docker.internal.Messages.oneLine;
import static org.cleverrunner.docker.internal.Messages.printable;
import static org.cleverrunner.docker.internal.Messages.warning;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.ExposedPort;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Durations;
import org.cleverrunner.spi.ImageReference;
import org.cleverrunner.spi.Trace;

/** Finds or pulls the job's and services' images per their pull policy, with the job's registry credentials. */
final class ImagePuller {

    /** Reads the job's credential sources; run at the first image that is not refused (helpers may run). */
    interface CredentialsLoader {
        RegistryCredentials load() throws InterruptedException;
    }

    private final DockerClient docker;
    private final CredentialsLoader loader;
    private RegistryCredentials credentials;
    private final Trace trace;
    /** What the engine said of each image once it was made present: one inspection per image and job. */
    private final Map<String, InspectImageResponse> described = new HashMap<>();

    private final DependencyProxy proxy;
    private final ImageRules rules;
    private final java.util.function.Supplier<Duration> pullTimeout;

    /** {@code pullTimeout}: how long one pull may take, asked at each pull (the job's time left bounds it). */
    ImagePuller(DockerClient docker, CredentialsLoader credentials, DependencyProxy proxy, ImageRules rules,
            java.util.function.Supplier<Duration> pullTimeout, Trace trace) {
        this.docker = docker;
        this.loader = credentials;
        this.proxy = proxy;
        this.rules = rules;
        this.pullTimeout = pullTimeout;
        this.trace = trace;
    }

    /** The name the Engine knows an image the job names by: the Dependency Proxy's for a Docker Hub image. */
    String local(String image) {
        return proxy.pulled(image);
    }

    /**
     * Makes the image the job names present (under {@link #local}'s name), trying its pull policies in order as
     * GitLab Runner does ({@code [always, if-not-present]} falls back on a local copy when the pull fails); returns
     * a message for the job log when it cannot, else null. {@code service} says which allow-list applies;
     * {@code platform} ({@code os/arch[/variant]}, the job's executor_opts, or null for the Engine's own) makes a
     * local image of another platform count as absent.
     */
    String ensure(String named, List<String> pullPolicy, boolean service, String platform)
            throws InterruptedException {
        ImageReference.Parsed parsed = ImageReference.parse(named);
        if (!parsed.valid()) {
            // refused before any registry is asked: the name never reaches the Engine
            return "invalid image reference '" + printable(named) + "': " + parsed.problem();
        }
        String refused = rules.refusal(named, service);
        if (refused != null) {
            return refused;
        }
        ImageRules.Policies policies = rules.policies(pullPolicy);
        if (policies.refusal() != null) {
            return policies.refusal();
        }
        if (credentials == null) {
            credentials = loader.load();
            credentials.warnings().forEach(problem -> trace.line(warning(problem)));
            proxy.warning().ifPresent(problem -> trace.line(warning(problem)));
        }
        String image = local(named);
        if (!image.equals(named)) {
            trace.line("Using the Dependency Proxy: " + named + " is " + image);
        }
        ImageReference reference = ImageReference.parse(image).reference().orElseThrow();
        InspectImageResponse local = inspect(image);
        if (local != null && !ofPlatform(local, platform)) {
            trace.line("The local image " + image + " is " + local.getOs() + "/" + local.getArch() + ", not "
                    + platform);
            local = null;
        }
        String failure = null;
        List<String> order = policies.policies();
        for (int i = 0; i < order.size(); i++) {
            String policy = order.get(i);
            if (!policy.equals("always") && local != null) {
                trace.line("Using locally found image " + image);
                described.put(image, local);
                return null;
            }
            if (policy.equals("never")) {
                failure = "image " + image + " is not present" + (platform == null ? "" : " for " + platform)
                        + " and its pull policy is never";
            } else {
                failure = pull(image, reference, platform);
                if (failure == null) {
                    return null;
                }
            }
            if (i + 1 < order.size()) {
                trace.line(warning(failure + "; trying the next pull policy, " + order.get(i + 1)));
            }
        }
        return failure;
    }

    /** Pulls with the registry's credentials; null when the image is then present, else why not. */
    private String pull(String image, ImageReference reference, String platform) throws InterruptedException {
        try {
            var pull = docker.pullImageCmd(image);
            if (platform != null) {
                pull = pull.withPlatform(platform);
            }
            var found = credentials.forImage(reference, problem -> trace.line(warning(problem)));
            if (found.isPresent()) {
                RegistryCredentials.Found auth = found.get();
                trace.line("Authenticating with credentials from " + auth.source());
                AuthConfig config = new AuthConfig().withRegistryAddress(auth.registry());
                pull = pull.withAuthConfig(auth.identityToken()
                        ? config.withIdentityToken(auth.password().reveal())
                        : config.withUsername(auth.username()).withPassword(auth.password().reveal()));
            }
            trace.line("Pulling docker image " + image + " ...");
            Duration limit = pullTimeout.get();
            try (PullProgress progress = pull.exec(new PullProgress(image, trace))) {
                if (!progress.awaitCompletion(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    // closing the stream cancels the Engine's pull: a hung registry holds no job for long
                    return "pulling image " + image + " gave up after " + Durations.human(limit)
                            + " (the registry does not answer?)";
                }
            } catch (java.io.IOException e) {
                return "failed to pull image \"" + image + "\": " + oneLine(e);
            }
            InspectImageResponse pulled = inspect(image);
            if (pulled == null) {
                return "failed to pull image " + image;
            }
            described.put(image, pulled);
            return null;
        } catch (DockerException | DockerClientException e) {
            return "failed to pull image \"" + image + "\": " + oneLine(e);
        }
    }

    /** Whether an image is of the platform asked for ({@code os/arch}, a variant not compared); null: any. */
    private static boolean ofPlatform(InspectImageResponse image, String platform) {
        if (platform == null || platform.isBlank()) {
            return true;
        }
        String[] parts = platform.split("/");
        return parts.length >= 2 && parts[0].equalsIgnoreCase(String.valueOf(image.getOs()))
                && parts[1].equalsIgnoreCase(String.valueOf(image.getArch()));
    }

    /** The description of an image {@link #ensure} made present, else asked of the engine (null: it has none). */
    private InspectImageResponse describe(String named) {
        String image = local(named);
        InspectImageResponse known = described.get(image);
        return known != null ? known : inspect(image);
    }

    /** The image's description, or null when the engine does not have it. */
    private InspectImageResponse inspect(String image) {
        try {
            return docker.inspectImageCmd(image).exec();
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** The user the image runs as when the job names none ("" for root). */
    String defaultUser(String image) {
        InspectImageResponse inspect = describe(image);
        if (inspect == null || inspect.getConfig() == null || inspect.getConfig().getUser() == null) {
            return "";
        }
        return inspect.getConfig().getUser();
    }

    /** The TCP ports the image exposes: what the service wait checks. */
    List<ExposedPort> exposedTcpPorts(String image) {
        InspectImageResponse inspect = describe(image);
        if (inspect == null || inspect.getConfig() == null || inspect.getConfig().getExposedPorts() == null) {
            return List.of();
        }
        return List.of(inspect.getConfig().getExposedPorts()).stream()
                .filter(port -> port.getProtocol() == null || "tcp".equalsIgnoreCase(port.getProtocol().toString()))
                .toList();
    }

    /**
     * A pull's progress in the job's log, a line every 10 seconds at most (layers done, bytes downloaded), so that
     * a large image shows it moves without a line per layer event.
     */
    private static final class PullProgress extends com.github.dockerjava.api.command.PullImageResultCallback {
        private static final long EVERY = TimeUnit.SECONDS.toNanos(10);
        private final String image;
        private final Trace trace;
        private final Map<String, long[]> layers = new HashMap<>();
        private long lastLine = System.nanoTime();

        PullProgress(String image, Trace trace) {
            this.image = image;
            this.trace = trace;
        }

        @Override
        public void onNext(com.github.dockerjava.api.model.PullResponseItem item) {
            super.onNext(item);
            String id = item.getId();
            if (id != null && item.getStatus() != null) {
                long[] layer = layers.computeIfAbsent(id, key -> new long[3]); // current, total, done
                var detail = item.getProgressDetail();
                if (detail != null && detail.getCurrent() != null && item.getStatus().startsWith("Downloading")) {
                    layer[0] = detail.getCurrent();
                    layer[1] = detail.getTotal() == null ? 0 : detail.getTotal();
                }
                if (item.getStatus().startsWith("Pull complete") || item.getStatus().startsWith("Already exists")) {
                    layer[2] = 1;
                }
            }
            long now = System.nanoTime();
            if (now - lastLine >= EVERY && !layers.isEmpty()) {
                lastLine = now;
                long done = layers.values().stream().filter(layer -> layer[2] == 1).count();
                long bytes = layers.values().stream().mapToLong(layer -> layer[0]).sum();
                long total = layers.values().stream().mapToLong(layer -> layer[1]).sum();
                trace.line("Pulling " + image + ": " + done + " of " + layers.size() + " layers done, "
                        + String.format(java.util.Locale.ROOT, "%.1f of %.1f MiB", bytes / 1048576.0,
                                total / 1048576.0));
            }
        }
    }
}
