package org.cleverrunner.docker.internal;

import static org.cleverrunner.docker.internal.Messages.warning;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;
import org.cleverrunner.docker.internal.CacheTransferProtocol.Event;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Trace;

/**
 * restore_cache and archive_cache: each cache rule's archive moves between the store and the build volume, per its
 * policy (pull, push, pull-push) and {@code when}, through the job's {@link CacheTransfer}. A missing cache or a
 * failed save is a line in the log, never the job's failure.
 */
final class CacheStep {

    /** A transfer still running after this long says how far it is, and again each time as long. */
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    private final List<JobPlan.CacheRule> rules;
    private final CacheTransfer transfer;
    private final Trace trace;
    private final Archives.Parsed<Archives.Format> format;
    private final Archives.Parsed<Archives.CompressionLevel> level;

    /** {@code format} and {@code level}: the job's CACHE_COMPRESSION_FORMAT and CACHE_COMPRESSION_LEVEL. */
    CacheStep(List<JobPlan.CacheRule> rules, CacheTransfer transfer, Trace trace, String format, String level) {
        this.rules = rules;
        this.transfer = transfer;
        this.trace = trace;
        this.format = Archives.Format.parse(format);
        this.level = Archives.CompressionLevel.parse(level);
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
                Event done = transfer.restore(key, progress("Downloading cache " + key));
                switch (done.outcome()) {
                    case RESTORED -> {
                        trace.line("Downloaded cache " + key + ": " + Messages.size(done.bytes()) + " in "
                                + Messages.rate(done.bytes(), done.millis()));
                        done.skipped().forEach(line -> trace.line(warning(line)));
                        trace.line("Successfully extracted cache");
                        restored = true;
                    }
                    case MISSING -> trace.line("No cache found for " + key);
                    default -> trace.line(warning("failed to restore cache " + key + ": " + done.message()));
                }
                if (restored) {
                    break;
                }
            }
            if (!restored && keys.size() > 1) {
                trace.line("No cache restored for " + rule.key() + " (tried " + keys.size() + " keys)");
            }
        }
    }

    void archive(boolean succeeded, Set<String> trackedFiles) throws InterruptedException {
        format.warning().ifPresent(text -> trace.line(warning("CACHE_COMPRESSION_FORMAT: " + text)));
        level.warning().ifPresent(text -> trace.line(warning("CACHE_COMPRESSION_LEVEL: " + text)));
        for (JobPlan.CacheRule rule : rules) {
            if ("pull".equals(rule.policy()) || !Rules.applies(rule.when(), succeeded)) {
                trace.line("Not uploading cache " + rule.key() + " due to policy");
                continue;
            }
            trace.line("Creating cache " + rule.key() + "...");
            Event done = transfer.save(rule.key(), new Archives.Selection(rule.paths(), List.of(), rule.untracked(),
                    trackedFiles), format.value(), level.value(), progress("Uploading cache " + rule.key()));
            done.skipped().forEach(line -> trace.line(warning(line)));
            switch (done.outcome()) {
                case SAVED -> trace.line("Created cache " + rule.key() + ": " + done.files() + " file(s), "
                        + Messages.size(done.bytes()) + ", in " + Messages.rate(done.bytes(), done.millis()));
                // an empty archive would replace a good one: keep what the store has
                case EMPTY -> trace.line(warning(describe(rule) + ": no matching files, cache " + rule.key()
                        + " not saved"));
                case TOO_LARGE -> trace.line(warning("cache " + rule.key() + " is " + Messages.size(done.bytes())
                        + ", over what the store takes (MaxUploadedArchiveSize or S3's 5 GiB): not uploaded"));
                default -> trace.line(warning("failed to save cache " + rule.key() + ": " + done.message()));
            }
        }
    }

    private static String describe(JobPlan.CacheRule rule) {
        List<String> what = new ArrayList<>(rule.paths());
        if (rule.untracked()) {
            what.add("untracked files");
        }
        return what.isEmpty() ? "nothing to cache" : String.join(", ", what);
    }

    /** A line every {@link #PROGRESS_EVERY} while a transfer runs, written from the transfer's own thread. */
    private LongConsumer progress(String what) {
        long started = System.nanoTime();
        long[] next = {started + PROGRESS_EVERY.toNanos()};
        return bytes -> {
            long now = System.nanoTime();
            if (now >= next[0]) {
                next[0] = now + PROGRESS_EVERY.toNanos();
                trace.line(what + ": " + Messages.size(bytes) + " so far, "
                        + Messages.rate(bytes, (now - started) / 1_000_000));
            }
        };
    }
}
