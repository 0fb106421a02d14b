package org.cleverrunner.docker.internal.sources;

import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.JobPlan.SourceSpec;
import org.cleverrunner.spi.Trace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Fetches a job's sources on the runner host, into one working copy per runner and project under a work root
 * (reused by {@code GIT_STRATEGY=fetch}); the executor then copies that directory into the job's volume.
 * Git for Git projects, hg for Heptapod's Mercurial ones. Credentials never reach argv, the trace or a
 * repository's configuration.
 */
public final class SourceFetcher {

    private static final Logger LOG = LoggerFactory.getLogger(SourceFetcher.class);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    private final Path workRoot;
    private final Duration timeout;
    private final ConcurrentHashMap<Path, ReentrantLock> locks = new ConcurrentHashMap<>();

    public SourceFetcher(Path workRoot) {
        this(workRoot, DEFAULT_TIMEOUT);
    }

    /** @param timeout the most a whole fetch may take (also bounded by the job's own timeout) */
    public SourceFetcher(Path workRoot, Duration timeout) {
        this.workRoot = workRoot.toAbsolutePath().normalize();
        this.timeout = timeout;
    }

    /** Fetches plan.sources() per the job's GIT_* variables into a working copy and returns it. */
    public FetchedSources fetch(JobPlan plan, Trace trace, JobControl control)
            throws SourceFetchException, InterruptedException {
        // all checks before anything is created or run
        GitSettings settings = GitSettings.of(plan);
        Path dir = Inputs.workingCopy(workRoot, plan.runnerId(), plan.projectPath());
        SourceSpec spec = plan.sources();
        if (spec == null) {
            if (settings.strategy() == GitSettings.Strategy.NONE) {
                trace.line("Skipping Git repository setup");
                return new FetchedSources(emptyDirectory(dir), true);
            }
            throw new SourceFetchException("get_sources failed: the job has no sources");
        }
        String vcs = spec.vcs().toLowerCase(Locale.ROOT);
        if (!vcs.equals("git") && !vcs.equals("hg")) {
            throw new SourceFetchException("get_sources failed: unknown repository type " + Inputs.quote(spec.vcs())
                    + ", expected git or hg");
        }
        if (settings.strategy() == GitSettings.Strategy.NONE) {
            trace.line("Skipping Git repository setup");
            return new FetchedSources(emptyDirectory(dir), true);
        }
        RepoUrl url = RepoUrl.parse(spec.repoUrl() == null ? null : spec.repoUrl().reveal());
        if (vcs.equals("git")) {
            Inputs.gitRevision(spec.revision());
            Inputs.refspecs(spec.refspecs());
        } else {
            Inputs.hgNode(spec.revision());
        }
        createWorkRoot();

        List<String> secrets = new ArrayList<>();
        url.credentials().ifPresent(c -> secrets.add(c.password()));
        Redactor redactor = new Redactor(secrets);
        Duration budget = plan.timeout().compareTo(timeout) < 0 ? plan.timeout() : timeout;

        ReentrantLock lock = locks.computeIfAbsent(dir, d -> new ReentrantLock());
        lock.lockInterruptibly();
        try {
            trace.line("Fetching the sources from " + url.clean() + " into " + dir);
            LOG.info("job {}: fetching {} sources of {} into {}", plan.jobId(), vcs, plan.projectPath(), dir);
            if (vcs.equals("git")) {
                Commands git = new Commands(trace, control, redactor, budget, GitSources.environment(url));
                return GitSources.fetch(dir, spec, url, settings, trace, git);
            }
            Path hgrc = HgSources.writeConfig(url);
            try {
                Commands hg = new Commands(trace, control, redactor, budget, HgSources.environment(hgrc));
                return HgSources.fetch(dir, spec, url, settings, trace, hg);
            } finally {
                Files.deleteIfExists(hgrc);
            }
        } catch (IOException e) {
            throw new SourceFetchException("get_sources failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void createWorkRoot() {
        try {
            Files.createDirectories(workRoot);
        } catch (IOException e) {
            throw new SourceFetchException("get_sources failed: cannot create the work directory " + workRoot
                    + ": " + e.getMessage(), e);
        }
    }

    /** GIT_STRATEGY=none: an empty directory next to the working copy, which itself is kept for later jobs. */
    private Path emptyDirectory(Path dir) {
        createWorkRoot();
        return Directories.recreate(dir.resolveSibling(dir.getFileName() + ".none"));
    }
}
