package org.cleverrunner.cli.exec;

import org.cleverrunner.core.DirectoryCacheStore;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.cleverrunner.spi.JobPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecPlanTest {

    @TempDir
    Path tmp;

    @Test
    void variablesInPrecedenceOrderScriptsJoinedAndSourcesAsADependency() throws Exception {
        Path project = Files.createDirectories(tmp.resolve("My Project!"));
        PipelineFile file = PipelineFile.parse("""
                variables: {GLOBAL: g, SHARED: from-global}
                default:
                  before_script: [echo before]
                build:
                  stage: build
                  variables: {SHARED: from-job, REF: "$GLOBAL-$CI_JOB_NAME"}
                  script: [echo one, echo two]
                  after_script: [echo after]
                  cache: {key: "c-$CI_COMMIT_REF_SLUG", paths: [".cache/$GLOBAL"]}
                  artifacts: {name: "$CI_JOB_NAME-out", paths: [out/]}
                """, ".gitlab-ci.yml");

        JobPlan plan = ExecPlan.build(file, "build",
                new ExecPlan.Options(project, null, Map.of("SHARED", "from-env"), 42));

        List<String> keys = plan.variables().stream().map(JobPlan.Variable::key).toList();
        assertThat(keys.indexOf("CI_JOB_NAME")).isLessThan(keys.indexOf("GLOBAL"));
        assertThat(keys.indexOf("GLOBAL")).isLessThan(keys.indexOf("REF"));
        assertThat(keys.get(keys.size() - 1)).isEqualTo("GIT_STRATEGY");
        assertThat(plan.variables()).filteredOn(v -> v.key().equals("SHARED")).extracting(JobPlan.Variable::value)
                .containsExactly("from-global", "from-job", "from-env");
        assertThat(plan.variable("SHARED")).contains("from-env");
        assertThat(plan.variable("REF")).contains("g-build");
        assertThat(plan.variable("GIT_STRATEGY")).contains("none");
        assertThat(plan.variable("CI_JOB_STAGE")).contains("build");
        assertThat(plan.variable("CI_PIPELINE_SOURCE")).contains("local");
        assertThat(plan.variable("CI_PROJECT_PATH")).contains("local/my-project");
        assertThat(plan.variable("CI_COMMIT_SHA")).hasValueSatisfying(sha -> assertThat(sha).hasSize(40));

        assertThat(plan.projectPath()).isEqualTo("local/my-project");
        assertThat(plan.runnerId()).isEqualTo("local");
        assertThat(plan.jobId()).isEqualTo(42);
        assertThat(plan.image().name()).isEqualTo(ExecPlan.DEFAULT_IMAGE);
        assertThat(plan.script()).containsExactly("echo before", "echo one", "echo two");
        assertThat(plan.afterScript()).containsExactly("echo after");
        assertThat(plan.timeout()).isEqualTo(Duration.ofHours(1));
        assertThat(plan.sources()).isNull();
        assertThat(plan.dependencies()).containsExactly(ExecPlan.SOURCES);
        assertThat(plan.caches()).singleElement().satisfies(cache -> {
            assertThat(cache.key()).startsWith("c-");
            assertThat(cache.paths()).containsExactly(".cache/g");
        });
        assertThat(plan.artifacts()).singleElement()
                .satisfies(rule -> assertThat(rule.name()).isEqualTo("build-out"));
    }

    @Test
    void theSourcesArchiveHoldsTheWorkingTreeButNotGitNorExecOutput() throws Exception {
        Path project = Files.createDirectories(tmp.resolve("p"));
        Files.writeString(project.resolve("a.txt"), "a");
        Files.createDirectories(project.resolve("sub"));
        Files.writeString(project.resolve("sub/b.txt"), "b");
        Files.createDirectories(project.resolve(".git"));
        Files.writeString(project.resolve(".git/HEAD"), "ref");
        Files.createDirectories(project.resolve("clever-runner-artifacts/job"));
        Files.writeString(project.resolve("clever-runner-artifacts/job/x"), "x");
        var out = new java.io.ByteArrayOutputStream();
        LocalArtifactTransfer transfer = new LocalArtifactTransfer(project,
                List.of(project.resolve("clever-runner-artifacts")), project.resolve("clever-runner-artifacts"), "job");

        assertThat(transfer.download(ExecPlan.SOURCES, out)).isTrue();
        assertThat(transfer.download(new JobPlan.DependencySpec(7, "other", "artifacts.zip"), out)).isFalse();

        List<String> names = new java.util.ArrayList<>();
        try (var zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(out.toByteArray()))) {
            for (var entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                names.add(entry.getName());
            }
        }
        assertThat(names).containsExactlyInAnyOrder("a.txt", "sub/b.txt");
    }

    @Test
    void cacheKeysAreSanitisedAndFallBackAsUnderRun() throws Exception {
        Path project = Files.createDirectories(tmp.resolve("keys"));
        PipelineFile file = PipelineFile.parse("""
                variables: {CACHE_FALLBACK_KEY: "main-protected", DIR: "deps"}
                build:
                  script: [make]
                  cache:
                    - {key: 'a%2F..%2F..%2Fb\\$DIR', paths: [vendor/], fallback_keys: ["x/./y", "."]}
                    - {key: "..", paths: [other/]}
                """, ".gitlab-ci.yml");

        ExecPlan.Planned planned = ExecPlan.plan(file, "build", new ExecPlan.Options(project, null, Map.of(), 1));

        // %2F decoded, '..' resolved under the virtual root, '\' as '/': GitLab Runner's cachekey rules
        assertThat(planned.plan().caches()).singleElement().satisfies(cache -> {
            assertThat(cache.key()).isEqualTo("b/deps");
            assertThat(cache.fallbackKeys()).containsExactly("x/y");
        });
        assertThat(planned.warnings())
                .anyMatch(w -> w.equals("cache key 'a%2F..%2F..%2Fb\\deps' sanitized to 'b/deps'"))
                .anyMatch(w -> w.contains("'..'") && w.contains("cache[1] is neither restored nor saved"))
                .anyMatch(w -> w.startsWith("CACHE_FALLBACK_KEY 'main-protected' is not allowed to end in"));
    }

    @Test
    void aCacheKeyWithControlCharactersRefusesTheJobWithTheFileNamed() throws Exception {
        Path project = Files.createDirectories(tmp.resolve("control"));
        PipelineFile file = PipelineFile.parse("""
                build:
                  script: [make]
                  cache: {key: "deps\\x07", paths: [vendor/]}
                """, ".gitlab-ci.yml");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ExecPlan.plan(file, "build",
                        new ExecPlan.Options(project, null, Map.of(), 1)))
                .isInstanceOf(PipelineException.class)
                .hasMessage(".gitlab-ci.yml: job 'build': cache[0] key 'deps\\u0007' holds control characters");
    }

    @Test
    void cacheStoreKeepsArchivesByKey() throws Exception {
        DirectoryCacheStore store = new DirectoryCacheStore(tmp.resolve("cache"));
        assertThat(store.open("a/../b")).isEmpty();
        store.save("a/../b", new java.io.ByteArrayInputStream(new byte[] {1, 2}), 2);
        try (var in = store.open("a/../b").orElseThrow()) {
            assertThat(in.readAllBytes()).containsExactly(1, 2);
        }
        assertThat(store.file("a/../b")).startsWith(tmp.resolve("cache"));
    }
}
