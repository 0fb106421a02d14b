package org.cleverrunner.docker.internal;

import static org.cleverrunner.docker.internal.Messages.oneLine;
import static org.cleverrunner.docker.internal.Messages.printable;
import static org.cleverrunner.docker.internal.Messages.warning;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.ExposedPort;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Trace;

/** Finds or pulls the job's and services' images per their pull policy, with the job's registry credentials. */
final class ImagePuller {

    private static final Pattern IMAGE_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._/:@-]{0,511}");

    private final DockerClient docker;
    private final List<JobPlan.RegistryAuth> auths;
    private final Trace trace;

    ImagePuller(DockerClient docker, List<JobPlan.RegistryAuth> auths, Trace trace) {
        this.docker = docker;
        this.auths = auths;
        this.trace = trace;
    }

    /** Makes the image present; returns a message for the job log when it cannot, else null. */
    String ensure(String image, List<String> pullPolicy) throws InterruptedException {
        if (!IMAGE_NAME.matcher(image).matches() || image.contains("..")) {
            return "invalid image name '" + printable(image) + "'";
        }
        List<String> policy = pullPolicy.isEmpty() ? List.of("if-not-present") : pullPolicy;
        boolean present = inspect(image) != null;
        if (present && !policy.contains("always")) {
            trace.line("Using locally found image " + image);
            return null;
        }
        if (policy.contains("never")) {
            return present ? null : "image " + image + " is not present and its pull policy is never";
        }
        trace.line("Pulling docker image " + image + " ...");
        try {
            var pull = docker.pullImageCmd(image);
            AuthConfig auth = authFor(image);
            if (auth != null) {
                pull = pull.withAuthConfig(auth);
            }
            pull.exec(new PullImageResultCallback()).awaitCompletion(30, TimeUnit.MINUTES);
            return inspect(image) != null ? null : "failed to pull image " + image;
        } catch (DockerException | DockerClientException e) {
            if (present) {
                trace.line(warning("pulling " + image + " failed, using the local copy: " + oneLine(e)));
                return null;
            }
            return "failed to pull image \"" + image + "\": " + oneLine(e);
        }
    }

    /** The image's description, or null when the engine does not have it. */
    InspectImageResponse inspect(String image) {
        try {
            return docker.inspectImageCmd(image).exec();
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** The user the image runs as when the job names none ("" for root). */
    String defaultUser(String image) {
        InspectImageResponse inspect = inspect(image);
        if (inspect == null || inspect.getConfig() == null || inspect.getConfig().getUser() == null) {
            return "";
        }
        return inspect.getConfig().getUser();
    }

    /** The TCP ports the image exposes: what the service wait checks. */
    List<ExposedPort> exposedTcpPorts(String image) {
        InspectImageResponse inspect = inspect(image);
        if (inspect == null || inspect.getConfig() == null || inspect.getConfig().getExposedPorts() == null) {
            return List.of();
        }
        return List.of(inspect.getConfig().getExposedPorts()).stream()
                .filter(port -> port.getProtocol() == null || "tcp".equalsIgnoreCase(port.getProtocol().toString()))
                .toList();
    }

    private AuthConfig authFor(String image) {
        for (JobPlan.RegistryAuth auth : auths) {
            if (image.startsWith(auth.registry() + "/")) {
                return new AuthConfig().withRegistryAddress(auth.registry()).withUsername(auth.username())
                        .withPassword(auth.password().reveal());
            }
        }
        return null;
    }
}
