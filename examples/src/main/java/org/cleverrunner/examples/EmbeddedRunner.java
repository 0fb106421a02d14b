package org.cleverrunner.examples;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.cleverrunner.core.Engine;
import org.cleverrunner.core.EngineSettings;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Secret;

/**
 * The engine embedded in a Java program, without the CLI or config.toml: one runner on one GitLab, its jobs on a
 * static pool of Docker hosts. Usage: {@code EmbeddedRunner <gitlab url> <glrt- token> <docker host URI>...}.
 */
public final class EmbeddedRunner {

    private EmbeddedRunner() {
    }

    /** The engine for one runner whose jobs go to the given Docker hosts, two at a time at most. */
    public static Engine engine(String gitlabUrl, String runnerToken, List<String> dockerHosts, Path journal) {
        RunnerSettings runner = new RunnerSettings("embedded", gitlabUrl, Secret.of(runnerToken), 0, 1, "docker",
                "static-pool", ProviderSettings.empty(),
                new ProviderSettings("static-pool", Map.of("hosts", String.join(",", dockerHosts))), null,
                "alpine:latest", 0);
        return Engine.builder()
                .settings(new EngineSettings(2, Duration.ofSeconds(3), Duration.ofMinutes(5), journal,
                        List.of(runner)))
                .version("embedded").build();
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: EmbeddedRunner <gitlab url> <runner token> <docker host URI>...");
            System.exit(2);
        }
        Engine engine = engine(args[0], args[1], List.of(args).subList(2, args.length),
                Path.of("embedded-runner-journal.json"));
        Runtime.getRuntime().addShutdownHook(new Thread(engine::shutdown));
        engine.start();
    }
}
