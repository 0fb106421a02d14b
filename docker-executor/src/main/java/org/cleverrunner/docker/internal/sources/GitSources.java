package org.cleverrunner.docker.internal.sources;

import org.cleverrunner.spi.JobPlan.SourceSpec;
import org.cleverrunner.spi.Trace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A Git checkout the way GitLab Runner does it: init or reuse, fetch refspecs, detached checkout, clean, submodules. */
final class GitSources {

    static final List<String> DEFAULT_REFSPECS = List.of("+refs/heads/*:refs/remotes/origin/*",
            "+refs/tags/*:refs/tags/*");

    private static final String USER_VAR = "CLEVER_RUNNER_GIT_USERNAME";
    private static final String PASSWORD_VAR = "CLEVER_RUNNER_GIT_PASSWORD";
    // git runs '!' helpers with sh; the text is fixed and reads the credential from the environment, so it
    // appears neither in argv nor in any config file. Only 'get' answers: store/erase are ignored.
    private static final String HELPER = "!f() { test \"$1\" = get && printf 'username=%s\\npassword=%s\\n' \"$"
            + USER_VAR + "\" \"$" + PASSWORD_VAR + "\"; }; f";

    private GitSources() {
    }

    /**
     * The environment of every git command: no system/global config, no prompts, and for the repository's host
     * only, a credential helper reading the credential from the environment (it also covers submodules there).
     */
    static Map<String, String> environment(RepoUrl url) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("init.defaultBranch", "main");
        config.put("advice.detachedHead", "false");
        config.put("fetch.recurseSubmodules", "false");
        config.put("credential.helper", "");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_CONFIG_GLOBAL", "/dev/null");
        url.credentials().ifPresent(credentials -> {
            config.put("credential." + url.origin() + ".helper", HELPER);
            env.put(USER_VAR, credentials.username());
            env.put(PASSWORD_VAR, credentials.password());
        });
        int i = 0;
        for (Map.Entry<String, String> entry : config.entrySet()) {
            env.put("GIT_CONFIG_KEY_" + i, entry.getKey());
            env.put("GIT_CONFIG_VALUE_" + i, entry.getValue());
            i++;
        }
        env.put("GIT_CONFIG_COUNT", Integer.toString(i));
        return env;
    }

    static FetchedSources fetch(Path dir, SourceSpec spec, RepoUrl url, GitSettings settings, Trace trace,
            Commands git) throws InterruptedException {
        String revision = Inputs.gitRevision(spec.revision());
        List<String> refspecs = Inputs.refspecs(spec.refspecs().isEmpty() ? DEFAULT_REFSPECS : spec.refspecs());

        if (settings.strategy() == GitSettings.Strategy.FETCH && reusable(dir, url, git)) {
            removeStaleLocks(dir);
            trace.line("Reinitialized existing Git repository in " + dir.resolve(".git"));
        } else {
            Directories.recreate(dir);
            git.run(dir, List.of("git", "init", "-q"));
            git.run(dir, List.of("git", "remote", "add", "origin", url.clean()));
            trace.line("Created fresh repository.");
        }

        int depth = settings.depth();
        trace.line(depth > 0 ? "Fetching changes with git depth set to " + depth + "..." : "Fetching changes...");
        List<String> fetch = new ArrayList<>(List.of("git", "fetch", "--prune", "--no-recurse-submodules"));
        if (depth > 0) {
            fetch.add("--depth");
            fetch.add(Integer.toString(depth));
        } else if (Files.exists(dir.resolve(".git/shallow"))) {
            fetch.add("--unshallow"); // a shallow copy reused for a full-history job
        }
        fetch.add("origin");
        List<String> byRefspecs = new ArrayList<>(fetch);
        byRefspecs.addAll(refspecs);
        git.run(dir, byRefspecs);
        if (!hasCommit(dir, revision, git)) {
            // shallow fetches and narrow refspecs may not reach it: ask for the exact commit
            trace.line("Fetching " + revision.substring(0, 8) + " directly...");
            List<String> bySha = new ArrayList<>(fetch);
            bySha.remove("--unshallow");
            bySha.add(revision);
            git.run(dir, bySha);
        }

        if (!settings.checkout()) {
            trace.line("Skipping Git checkout");
            return new FetchedSources(dir, "git");
        }
        trace.line("Checking out " + revision.substring(0, 8) + " as detached HEAD (ref is "
                + Inputs.label(spec.ref(), revision.substring(0, 8)) + ")...");
        git.run(dir, List.of("git", "checkout", "-f", "-q", revision));
        if (!settings.cleanFlags().isEmpty()) {
            List<String> clean = new ArrayList<>(List.of("git", "clean"));
            clean.addAll(settings.cleanFlags());
            git.run(dir, clean);
        }
        submodules(dir, settings, trace, git);
        return new FetchedSources(dir, "git");
    }

    private static void submodules(Path dir, GitSettings settings, Trace trace, Commands git)
            throws InterruptedException {
        if (settings.submodules() == GitSettings.Submodules.NONE) {
            trace.line("Skipping Git submodules setup");
            return;
        }
        boolean recursive = settings.submodules() == GitSettings.Submodules.RECURSIVE;
        trace.line("Updating/initializing submodules" + (recursive ? " recursively" : "")
                + (settings.submoduleDepth() > 0 ? " with git depth set to " + settings.submoduleDepth() : "")
                + "...");
        // relative URLs resolve against origin's URL, which has no credentials: so does .git/config
        git.run(dir, List.of("git", "submodule", "init"));
        git.run(dir, recursive ? List.of("git", "submodule", "sync", "--recursive")
                : List.of("git", "submodule", "sync"));
        List<String> update = new ArrayList<>(List.of("git", "submodule", "update", "--init", "--force"));
        if (recursive) {
            update.add("--recursive");
        }
        if (settings.submoduleDepth() > 0) {
            update.add("--depth");
            update.add(Integer.toString(settings.submoduleDepth()));
        }
        git.run(dir, update);
        if (!settings.cleanFlags().isEmpty()) {
            // fixed commands only: foreach hands a single argument to a shell, so job variables stay out of it
            List<String> foreach = new ArrayList<>(List.of("git", "submodule", "foreach"));
            if (recursive) {
                foreach.add("--recursive");
            }
            List<String> clean = new ArrayList<>(foreach);
            clean.addAll(List.of("git", "clean", "-ffdx"));
            git.run(dir, clean);
        }
    }

    /** A working copy of the same remote that git can still read; anything else is started afresh. */
    private static boolean reusable(Path dir, RepoUrl url, Commands git) throws InterruptedException {
        if (!Files.isDirectory(dir.resolve(".git"))) {
            return false;
        }
        Commands.Result remote = git.quiet(dir, List.of("git", "config", "--get", "remote.origin.url"));
        if (remote.exitCode() != 0 || !remote.output().strip().equals(url.clean())) {
            return false;
        }
        return git.quiet(dir, List.of("git", "rev-parse", "--git-dir")).exitCode() == 0;
    }

    private static boolean hasCommit(Path dir, String revision, Commands git) throws InterruptedException {
        return git.quiet(dir, List.of("git", "cat-file", "-e", revision + "^{commit}")).exitCode() == 0;
    }

    /** Locks left by a git killed mid-way (job canceled, runner restarted) would fail every later fetch. */
    private static void removeStaleLocks(Path dir) {
        for (String lock : List.of("index.lock", "shallow.lock", "HEAD.lock", "config.lock", "packed-refs.lock")) {
            try {
                Files.deleteIfExists(dir.resolve(".git").resolve(lock));
            } catch (IOException e) {
                throw new SourceFetchException("get_sources failed: cannot remove the stale lock .git/" + lock
                        + ": " + e.getMessage(), e);
            }
        }
    }
}
