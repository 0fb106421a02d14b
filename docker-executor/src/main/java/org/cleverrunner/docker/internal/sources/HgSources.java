package org.cleverrunner.docker.internal.sources;

import org.cleverrunner.spi.JobPlan.SourceSpec;
import org.cleverrunner.spi.Trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * A Mercurial checkout for Heptapod: clone or pull the exact changeset (the payload's hgsha), update to it, purge.
 * The ref ({@code branch/default}, {@code topic/default/t}) is only a label: topics are no hg revision names.
 */
final class HgSources {

    private HgSources() {
    }

    /**
     * A private hgrc (0600) for {@code HGRCPATH}: it replaces the user's and system's configuration and, when the
     * URL carried credentials, holds them in an {@code [auth]} entry for the repository's host. Delete it after.
     */
    static Path writeConfig(RepoUrl url) {
        StringBuilder text = new StringBuilder("[ui]\ninteractive = false\n");
        url.credentials().ifPresent(credentials -> {
            if (hasControl(credentials.username()) || hasControl(credentials.password())) {
                throw new SourceFetchException("get_sources failed: the repository URL's credentials hold"
                        + " control characters");
            }
            text.append("[auth]\njob.prefix = ").append(url.origin()).append('\n')
                    .append("job.username = ").append(credentials.username()).append('\n')
                    .append("job.password = ").append(credentials.password()).append('\n');
        });
        try {
            Path file = Files.createTempFile("clever-runner-hgrc-", ".rc",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, text, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new SourceFetchException("get_sources failed: cannot write a private Mercurial configuration: "
                    + e.getMessage(), e);
        }
    }

    static Map<String, String> environment(Path hgrc) {
        return Map.of("HGPLAIN", "1", "HGRCPATH", hgrc.toString(), "HGENCODING", "utf-8");
    }

    static FetchedSources fetch(Path dir, SourceSpec spec, RepoUrl url, GitSettings settings, Trace trace,
            Commands hg) throws InterruptedException {
        String node = Inputs.hgNode(spec.revision());
        if (settings.depth() > 0) {
            trace.line("Mercurial has no shallow clones: GIT_DEPTH=" + settings.depth()
                    + " is ignored, fetching the history of " + node.substring(0, 12));
        }
        if (settings.strategy() == GitSettings.Strategy.FETCH && reusable(dir, url, hg)) {
            trace.line("Fetching changes into the existing Mercurial working copy...");
            hg.run(dir, List.of("hg", "pull", "-r", node, url.clean()));
        } else {
            Directories.delete(dir);
            trace.line("Cloning repository " + url.clean() + "...");
            // a full clone, not -r: Heptapod serves clone bundles for full clones
            hg.run(dir.getParent(), List.of("hg", "clone", "--noupdate", url.clean(), dir.toString()));
            writePaths(dir, url);
            if (!hasNode(dir, node, hg)) {
                hg.run(dir, List.of("hg", "pull", "-r", node, url.clean()));
            }
        }
        if (!settings.checkout()) {
            trace.line("Skipping Mercurial checkout");
            return new FetchedSources(dir, "hg");
        }
        trace.line("Checking out " + node.substring(0, 12) + " (ref is "
                + Inputs.label(spec.ref(), node.substring(0, 12)) + ")...");
        hg.run(dir, List.of("hg", "update", "--clean", "-r", node));
        if (!settings.cleanFlags().isEmpty()) {
            // the extension is core in recent hg and is enabled explicitly for older ones
            hg.run(dir, List.of("hg", "purge", "--all", "--config", "extensions.purge="));
        }
        return new FetchedSources(dir, "hg");
    }

    private static boolean reusable(Path dir, RepoUrl url, Commands hg) throws InterruptedException {
        if (!Files.isDirectory(dir.resolve(".hg"))) {
            return false;
        }
        Commands.Result paths = hg.quiet(dir, List.of("hg", "paths", "default"));
        return paths.exitCode() == 0 && paths.output().strip().equals(url.clean());
    }

    private static boolean hasNode(Path dir, String node, Commands hg) throws InterruptedException {
        return hg.quiet(dir, List.of("hg", "log", "-r", node, "-T", "{node}")).exitCode() == 0;
    }

    /** The clone's default path, written by us: the URL without credentials. */
    private static void writePaths(Path dir, RepoUrl url) {
        try {
            Files.writeString(dir.resolve(".hg/hgrc"), "[paths]\ndefault = " + url.clean() + "\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SourceFetchException("get_sources failed: cannot write .hg/hgrc: " + e.getMessage(), e);
        }
    }

    private static boolean hasControl(String value) {
        return value.chars().anyMatch(Character::isISOControl);
    }
}
