package org.cleverrunner.docker.internal;

import static org.cleverrunner.docker.internal.Messages.printable;
import static org.cleverrunner.docker.internal.Messages.warning;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Trace;

/**
 * What the job's containers see besides the sources: the environment (the plan's variables, file variables as
 * paths, the runner's own CI_* values) and the files in the job's tmp directory (scripts and file variables).
 */
final class JobEnvironment {

    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final JobPlan plan;
    private final BuildPaths paths;
    private final String runnerVersion;

    JobEnvironment(JobPlan plan, BuildPaths paths, String runnerVersion) {
        this.plan = plan;
        this.paths = paths;
        this.runnerVersion = runnerVersion;
    }

    /** The stage containers' environment; {@code jobStatus} is CI_JOB_STATUS, for after_script only. */
    List<String> variables(String jobStatus) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JobPlan.Variable variable : plan.variables()) {
            if (!VARIABLE_NAME.matcher(variable.key()).matches()) {
                continue; // reported once by files()
            }
            env.put(variable.key(), variable.file() ? paths.tmpDir() + "/" + variable.key() : variable.value());
        }
        env.put("CI_BUILDS_DIR", BuildPaths.BUILDS_DIR);
        env.put("CI_PROJECT_DIR", paths.projectDir());
        env.put("CI_DISPOSABLE_ENVIRONMENT", "true");
        // the engine passes gitlab-runner's short token as a variable; without one (exec, embedders) the runner id
        env.putIfAbsent("CI_RUNNER_SHORT_TOKEN", plan.runnerId());
        // the engine passes its own version and revision as variables; the executor's stands without one
        env.putIfAbsent("CI_RUNNER_VERSION", runnerVersion);
        env.put("CI_RUNNER_EXECUTABLE_ARCH", "linux/" + System.getProperty("os.arch"));
        env.put("CI_JOB_TIMEOUT", Long.toString(plan.timeout().toSeconds()));
        if (jobStatus != null) {
            env.put("CI_JOB_STATUS", jobStatus);
        }
        return entries(env);
    }

    /**
     * The scripts and file variables, keyed by their path in the build volume relative to /builds; variables with
     * names no shell accepts are reported in the log and left out.
     */
    Map<String, byte[]> files(Trace trace) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("step_script", Scripts.step(plan.script()).getBytes(StandardCharsets.UTF_8));
        files.put("after_script", Scripts.step(plan.afterScript()).getBytes(StandardCharsets.UTF_8));
        for (JobPlan.Variable variable : plan.variables()) {
            if (!VARIABLE_NAME.matcher(variable.key()).matches()) {
                trace.line(warning("ignoring variable with invalid name '" + printable(variable.key()) + "'"));
            } else if (variable.file()) {
                files.put(variable.key(), variable.value().getBytes(StandardCharsets.UTF_8));
            }
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        files.forEach((name, content) -> entries.put(paths.tmpEntry() + "/" + name, content));
        return entries;
    }

    static List<String> entries(Map<String, String> env) {
        List<String> entries = new ArrayList<>(env.size());
        env.forEach((key, value) -> entries.add(key + "=" + value));
        return entries;
    }
}
