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
import java.util.Optional;

/**
 * Fetches a job's sources on the runner host, Git for Git projects, hg for Heptapod's Mercurial ones. Credentials
 * never reach argv, the trace or a repository's configuration.
 *
 * <p>Each runner and project has one working copy under the work root, reused by {@code GIT_STRATEGY=fetch} as
 * GitLab Runner does; a job holds it from the fetch until its callback has taken what the job needs (a snapshot of
 * the tree), so what a job gets never changes under it. At most {@code maxWorkingCopies} are kept, the least
 * recently used that no job holds are removed. A job without a project path of its own ({@code project-<job id>},
 * see runner-core's JobPlans) gets a working copy in the spool, removed once its callback returns.
 */
public final class SourceFetcher {

    /** Working copies kept per work root: enough for the projects of a busy runner, a few GB at most. */
    public static final int DEFAULT_MAX_WORKING_COPIES = 20;

    private static final Logger LOG = LoggerFactory.getLogger(SourceFetcher.class);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    private final WorkRoot workRoot;
    private final Duration timeout;

    /** What a job takes from its checkout while it is held: it must not keep the directory itself. */
    @FunctionalInterface
    public interface WhileHeld<T> {
        T apply(FetchedSources sources) throws IOException, InterruptedException;
    }

    public SourceFetcher(Path workRoot) {
        this(workRoot, DEFAULT_TIMEOUT, DEFAULT_MAX_WORKING_COPIES);
    }

    /**
     * Removes what crashed runner processes left in the work root's spool.
     *
     * @param timeout the most a whole fetch may take (also bounded by the job's own timeout)
     * @param maxWorkingCopies how many reusable working copies the work root keeps at most
     */
    public SourceFetcher(Path workRoot, Duration timeout, int maxWorkingCopies) {
        this.workRoot = new WorkRoot(workRoot, maxWorkingCopies);
        this.timeout = timeout;
        this.workRoot.removeDeadSpools();
    }

    /**
     * A new empty file in this process's spool for one job (a snapshot of its sources): the caller deletes it.
     */
    public Path newSpoolFile(JobPlan plan, String suffix) {
        try {
            return Files.createTempFile(workRoot.spool(), Inputs.runnerId(plan.runnerId()) + "-" + plan.jobId() + "-",
                    suffix);
        } catch (IOException e) {
            throw new SourceFetchException("get_sources failed: cannot create a spool file in " + workRoot.spool()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fetches plan.sources() per the job's GIT_* variables into a working copy and hands it to {@code whileHeld}
     * while no other job can change it. Empty for {@code GIT_STRATEGY=none}: nothing is fetched or created.
     */
    public <T> Optional<T> fetch(JobPlan plan, Trace trace, JobControl control, WhileHeld<T> whileHeld)
            throws SourceFetchException, InterruptedException {
        // all checks before anything is created or run
        GitSettings settings = GitSettings.of(plan);
        boolean perJob = Inputs.perJobProject(plan);
        Path shared = Inputs.workingCopy(workRoot.root(), plan.runnerId(), plan.projectPath());
        SourceSpec spec = plan.sources();
        if (spec == null) {
            if (settings.strategy() == GitSettings.Strategy.NONE) {
                trace.line("Skipping Git repository setup");
                return Optional.empty();
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
            return Optional.empty();
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

        if (perJob) {
            Path dir = Inputs.workingCopy(workRoot.spool(), plan.runnerId(), plan.projectPath());
            try {
                return Optional.of(fetchInto(dir, plan, spec, vcs, url, settings, trace, control, redactor, budget,
                        whileHeld));
            } finally {
                deleteQuietly(dir);
            }
        }
        try (WorkRoot.Held held = workRoot.hold(shared)) {
            return Optional.of(fetchInto(held.copy(), plan, spec, vcs, url, settings, trace, control, redactor,
                    budget, whileHeld));
        } finally {
            workRoot.evict();
        }
    }

    private <T> T fetchInto(Path dir, JobPlan plan, SourceSpec spec, String vcs, RepoUrl url, GitSettings settings,
            Trace trace, JobControl control, Redactor redactor, Duration budget, WhileHeld<T> whileHeld)
            throws InterruptedException {
        try {
            trace.line("Fetching the sources from " + url.clean() + " into " + dir);
            LOG.info("job {}: fetching {} sources of {} into {}", plan.jobId(), vcs, plan.projectPath(), dir);
            FetchedSources fetched;
            if (vcs.equals("git")) {
                Commands git = new Commands(trace, control, redactor, budget, GitSources.environment(url));
                fetched = GitSources.fetch(dir, spec, url, settings, trace, git);
            } else {
                Path hgrc = HgSources.writeConfig(url);
                try {
                    Commands hg = new Commands(trace, control, redactor, budget, HgSources.environment(hgrc));
                    fetched = HgSources.fetch(dir, spec, url, settings, trace, hg);
                } finally {
                    Files.deleteIfExists(hgrc);
                }
            }
            return whileHeld.apply(fetched);
        } catch (IOException e) {
            throw new SourceFetchException("get_sources failed: " + e.getMessage(), e);
        }
    }

    /** Removes the least recently used working copies beyond the bound that no job holds; returns how many. */
    public int evict() {
        return workRoot.evict();
    }

    private static void deleteQuietly(Path dir) {
        try {
            Directories.delete(dir);
        } catch (SourceFetchException e) {
            LOG.warn("cannot remove the per-job working copy {}: {}", dir, e.getMessage());
        }
    }

    private void createWorkRoot() {
        try {
            Files.createDirectories(workRoot.root());
        } catch (IOException e) {
            throw new SourceFetchException("get_sources failed: cannot create the work directory " + workRoot.root()
                    + ": " + e.getMessage(), e);
        }
    }
}
