package org.cleverrunner.docker.internal;

import static org.cleverrunner.docker.internal.Messages.oneLine;
import static org.cleverrunner.docker.internal.Messages.warning;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Trace;

/**
 * restore_cache and archive_cache: each cache rule's zip moves between the job's cache store and the build volume,
 * per its policy (pull, push, pull-push) and {@code when}. A missing cache or a failed save is a line in the log,
 * never the job's failure.
 */
final class CacheStep {

    private final List<JobPlan.CacheRule> rules;
    private final CacheStore store;
    private final BuildVolume volume;
    private final BuildPaths paths;
    private final Trace trace;

    CacheStep(List<JobPlan.CacheRule> rules, CacheStore store, BuildVolume volume, BuildPaths paths, Trace trace) {
        this.rules = rules;
        this.store = store;
        this.volume = volume;
        this.paths = paths;
        this.trace = trace;
    }

    void restore() throws InterruptedException {
        for (JobPlan.CacheRule rule : rules) {
            if ("push".equals(rule.policy())) {
                trace.line("Not downloading cache " + rule.key() + " due to policy");
                continue;
            }
            List<String> keys = new ArrayList<>();
            keys.add(rule.key());
            keys.addAll(rule.fallbackKeys());
            boolean restored = false;
            for (String key : keys) {
                trace.line("Checking cache for " + key + "...");
                if (restore(key)) {
                    trace.line("Successfully extracted cache");
                    restored = true;
                    break;
                }
            }
            if (!restored) {
                trace.line(warning("cache " + rule.key() + " not found"));
            }
        }
    }

    private boolean restore(String key) throws InterruptedException {
        Path spool = null;
        try {
            var archive = store.open(key);
            if (archive.isEmpty()) {
                return false;
            }
            spool = Files.createTempFile("clever-runner-cache", ".zip");
            try (InputStream zip = archive.get()) {
                Files.copy(zip, spool, StandardCopyOption.REPLACE_EXISTING);
            }
            Path zip = spool;
            volume.upload(paths.parentDir(), out -> Archives.zipToTar(zip, out, paths.leafName()));
            return true;
        } catch (IOException | RuntimeException e) {
            trace.line(warning("failed to restore cache " + key + ": " + oneLine(e)));
            return false;
        } finally {
            Closing.delete(spool);
        }
    }

    void archive(boolean succeeded, Set<String> trackedFiles) {
        for (JobPlan.CacheRule rule : rules) {
            if ("pull".equals(rule.policy()) || !Rules.applies(rule.when(), succeeded)) {
                trace.line("Not uploading cache " + rule.key() + " due to policy");
                continue;
            }
            trace.line("Creating cache " + rule.key() + "...");
            Path zip = null;
            try {
                zip = Files.createTempFile("clever-runner-cache", ".zip");
                int files = volume.zipProject(zip, new Archives.Selection(rule.paths(), List.of(), rule.untracked(),
                        trackedFiles));
                if (files == 0) {
                    // an empty archive would replace a good one: keep what the store has
                    trace.line(warning(String.join(", ", rule.paths()) + ": no matching files, cache " + rule.key()
                            + " not saved"));
                    continue;
                }
                store.save(rule.key(), zip);
                trace.line("Created cache with " + files + " file(s)");
            } catch (IOException | RuntimeException e) {
                trace.line(warning("failed to save cache " + rule.key() + ": " + oneLine(e)));
            } finally {
                Closing.delete(zip);
            }
        }
    }
}
