package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simulate-pool} as an operator runs it, the CLI as a process: a trace of their own, two policies, the table
 * on standard output and the CSV beside it; a policy that cannot hold is refused with every problem, exit 2.
 */
class SimulatePoolIT {

    @TempDir
    Path dir;

    @Test
    void aTraceAgainstTwoPoliciesGivesTheTableAndTheCsv() throws Exception {
        // three jobs of one project two minutes apart, one of another project, on a Monday morning
        Path trace = Files.writeString(dir.resolve("jobs.csv"), """
                queued_at,project,flavor,duration_s
                2026-12-07T09:00:00Z,octobus/heptapod,M,60
                2026-12-07T09:02:00Z,octobus/heptapod,M,60
                2026-12-07T09:04:00Z,octobus/heptapod,m,60
                2026-12-07T09:04:30Z,other/project,M,30
                """);
        Path csv = dir.resolve("figures.csv");
        Path log = dir.resolve("out.log");
        Process process = CliProcess.start(log, "simulate-pool", "--trace", trace.toString(), "--boot", "20s",
                "--price", "M=0.36", "--csv", csv.toString(),
                "--policy", "name=keep 5m per project; idle_count=0; idle_time=5m; scope=project");
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = CliProcess.read(log);
        assertThat(process.exitValue()).as(out).isZero();

        assertThat(out).contains("4 jobs, boot 20s, reuse overhead 3s");
        // a VM per job: every job waits a boot; kept hosts: the project's 2nd and 3rd jobs start after the clean-up
        assertThat(out).containsPattern("per-job VM\\s+4\\s+[0-9.]+\\s+\\d+%\\s+[0-9.]+\\s+20s\\s+20s\\s+20s\\s+0\\s+4");
        assertThat(out).containsPattern("keep 5m per project\\s+4\\s+[0-9.]+\\s+\\d+%\\s+[0-9.]+\\s+\\S+\\s+20s\\s+20s"
                + "\\s+2\\s+2");
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).startsWith("policy,jobs,vm_seconds,busy_seconds,idle_share,cost");
        assertThat(rows.get(1)).startsWith("\"per-job VM\",4,");
    }

    @Test
    void theRunnersOwnConfigIsReplayedAsItsPoolWouldBe() throws Exception {
        Path config = Files.writeString(dir.resolve("config.toml"), """
                [[runners]]
                name = "office-pool"
                url = "https://gitlab.example.com"
                token = "glrt-simulatepoolconfig"
                provisioner = "clever-cloud"
                [runners.autoscaler]
                max_instances = 12
                [[runners.autoscaler.policy]]
                periods = ["* 8-18 * * mon-fri"]
                idle_count = { M = 2 }
                idle_time = "10m"
                """);
        Path log = dir.resolve("config.log");
        Process process = CliProcess.start(log, "simulate-pool", "--hours", "24", "--flavors", "M:1", "--config",
                config.toString());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = CliProcess.read(log);

        assertThat(process.exitValue()).as(out).isZero();
        assertThat(out).containsPattern("per-job VM\\s+\\d+").containsPattern("office-pool\\s+\\d+");
        assertThat(out).doesNotContain("glrt-simulatepoolconfig");
    }

    @Test
    void aPolicyThatCannotHoldIsRefusedWithEveryProblem() throws Exception {
        Path log = dir.resolve("bad.log");
        Process process = CliProcess.start(log, "simulate-pool", "--hours", "2", "--policy",
                "name=bad; max_instances=2; idle_count=M:3,HUGE:1; idle_time=0s; scope=team; colour=blue");
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = CliProcess.read(log);

        assertThat(process.exitValue()).as(out).isEqualTo(2);
        assertThat(out).contains("simulate-pool: policy 'bad': ", "scope 'team' is not one of project, group,"
                + " runner", "unknown key 'colour'");
        assertThat(out).doesNotContain("Exception");

        Process second = CliProcess.start(log, "simulate-pool", "--hours", "2", "--policy",
                "name=bad; max_instances=2; idle_count=M:3,HUGE:1; idle_time=0s");
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String again = CliProcess.read(log);
        assertThat(second.exitValue()).as(again).isEqualTo(2);
        assertThat(again).contains("flavor HUGE is not offered", "idle_count 4 is above max_instances 2",
                "idle_time must be positive when hosts are kept idle");
    }
}
