package org.cleverrunner.cli.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.cleverrunner.spi.JobPlan;
import org.junit.jupiter.api.Test;

class PipelineFileTest {

    static PipelineFile parse(String yaml) {
        return PipelineFile.parse(yaml, ".gitlab-ci.yml");
    }

    @Test
    void extendsDeepMergesHashesAndReplacesArrays() {
        PipelineFile file = parse("""
                .base:
                  image: {name: "alpine:3", entrypoint: [""]}
                  variables: {A: "1", B: "2"}
                  script: [echo base]
                  cache: {key: k, paths: [a, b]}
                .more:
                  extends: .base
                  variables: {B: "20", C: "3"}
                job:
                  extends: [.more]
                  variables:
                    D: {value: "4", description: "the D"}
                  script: [echo job]
                  cache: {paths: [c]}
                """);
        PipelineFile.Job job = file.job("job");
        assertThat(job.image()).isEqualTo(new JobPlan.ImageSpec("alpine:3", List.of(""), List.of(), null, null));
        assertThat(job.variables()).extracting(v -> v.key() + "=" + v.value())
                .containsExactly("A=1", "B=20", "C=3", "D=4");
        assertThat(job.script()).containsExactly("echo job");
        // cache is a hash: merged, but its paths array is replaced
        assertThat(job.caches()).singleElement().satisfies(cache -> {
            assertThat(cache.key()).isEqualTo("k");
            assertThat(cache.paths()).containsExactly("c");
        });
        assertThat(file.jobs()).containsOnlyKeys("job");
    }

    @Test
    void defaultAndTopLevelKeywordsApplyUnlessTheJobSetsThem() {
        PipelineFile file = parse("""
                image: ruby:3
                before_script: echo top
                default:
                  before_script: [echo default]
                  after_script: [echo after]
                  timeout: 1h 30m
                  artifacts: {paths: [out/], when: always}
                one:
                  script: echo one
                two:
                  image: node:20
                  before_script: []
                  script:
                    - echo a
                    - [echo b, [echo c]]
                  timeout: 10 minutes
                """);
        PipelineFile.Job one = file.job("one");
        assertThat(one.image().name()).isEqualTo("ruby:3");
        assertThat(one.beforeScript()).containsExactly("echo default");
        assertThat(one.script()).containsExactly("echo one");
        assertThat(one.afterScript()).containsExactly("echo after");
        assertThat(one.timeout()).isEqualTo(Duration.ofMinutes(90));
        assertThat(one.artifacts()).singleElement().satisfies(rule -> {
            assertThat(rule.paths()).containsExactly("out/");
            assertThat(rule.when()).isEqualTo("always");
        });
        assertThat(one.stage()).isEqualTo("test");
        PipelineFile.Job two = file.job("two");
        assertThat(two.image().name()).isEqualTo("node:20");
        assertThat(two.beforeScript()).isEmpty();
        assertThat(two.script()).containsExactly("echo a", "echo b", "echo c");
        assertThat(two.timeout()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void servicesAndVariablesInEveryForm() {
        PipelineFile file = parse("""
                variables:
                  PLAIN: text
                  NUMBER: 42
                  FLAG: true
                  EMPTY:
                  RAW: {value: "$HOME", expand: false}
                job:
                  services:
                    - postgres:16
                    - name: redis:7
                      alias: cache,kv
                      entrypoint: [redis-server]
                      command: ["--port", "6380"]
                      variables: {X: y}
                  script: [true]
                  allow_failure: true
                  tags: [docker]
                """);
        assertThat(file.variables()).extracting(v -> v.key() + "=" + v.value() + (v.raw() ? " raw" : ""))
                .containsExactly("PLAIN=text", "NUMBER=42", "FLAG=true", "EMPTY=", "RAW=$HOME raw");
        PipelineFile.Job job = file.job("job");
        assertThat(job.services()).containsExactly(JobPlan.ServiceSpec.of("postgres:16"),
                new JobPlan.ServiceSpec("redis:7", List.of("cache", "kv"), List.of("redis-server"),
                        List.of("--port", "6380"), List.of(JobPlan.Variable.of("X", "y")), List.of()));
        assertThat(job.script()).containsExactly("true");
        assertThat(job.allowFailure()).isTrue();
        assertThat(job.notes()).anyMatch(note -> note.contains("'tags'"));
    }

    @Test
    void yamlMergeKeysAndAnchorsWork() {
        PipelineFile file = parse("""
                .common: &common
                  image: alpine
                  script: [echo common]
                job:
                  <<: *common
                  script: [echo job]
                """);
        assertThat(file.job("job").image().name()).isEqualTo("alpine");
        assertThat(file.job("job").script()).containsExactly("echo job");
    }

    @Test
    void unsupportedKeywordIsNamedWithItsLine() {
        assertThatThrownBy(() -> parse("""
                stages: [build]

                build:
                  stage: build
                  script: make
                  rules:
                    - if: $CI
                """)).isInstanceOf(PipelineException.class)
                .hasMessage(".gitlab-ci.yml:6: job 'build' uses 'rules', which exec does not support");
        assertThatThrownBy(() -> parse("include: other.yml\n"))
                .hasMessageStartingWith(".gitlab-ci.yml:1: 'include' is not supported by exec");
        assertThatThrownBy(() -> parse("job:\n  scirpt: [x]\n"))
                .hasMessage(".gitlab-ci.yml:2: job 'job' has unknown keyword 'scirpt'");
    }

    @Test
    void unsupportedKeywordInheritedFromATemplateIsReported() {
        assertThatThrownBy(() -> parse("""
                .t:
                  retry: 2
                job:
                  extends: .t
                  script: x
                """)).hasMessage(".gitlab-ci.yml:2: job 'job' uses 'retry', which exec does not support");
    }

    @Test
    void yamlSyntaxErrorsCarryTheirLine() {
        assertThatThrownBy(() -> parse("job:\n  script:\n    - echo ok\n  image: [unclosed\n"))
                .isInstanceOf(PipelineException.class)
                .hasMessageStartingWith(".gitlab-ci.yml:5: YAML syntax error");
        assertThatThrownBy(() -> parse("a:\n  script: x\na:\n  script: y\n"))
                .hasMessage(".gitlab-ci.yml:3: duplicate key 'a' (first on line 1)");
    }

    @Test
    void unknownJobListsTheJobs() {
        PipelineFile file = parse("build:\n  script: x\ntest:\n  script: y\n.hidden:\n  script: z\n");
        assertThatThrownBy(() -> file.job("deploy"))
                .hasMessage(".gitlab-ci.yml: no job 'deploy'; its jobs are: build, test");
    }

    @Test
    void extendsCyclesAndMissingParentsAreErrors() {
        assertThatThrownBy(() -> parse("""
                .a:
                  extends: .b
                .b:
                  extends: .a
                job:
                  extends: .a
                  script: x
                """)).hasMessageContaining("circular extends: job -> .a -> .b -> .a");
        assertThatThrownBy(() -> parse("job:\n  extends: .nope\n  script: x\n"))
                .hasMessage(".gitlab-ci.yml:2: job 'job' extends '.nope', which is not defined (or is not a mapping)");
    }

    @Test
    void commonMistakesGetClearMessages() {
        assertThatThrownBy(() -> parse("job:\n  script:\n    - echo a: b\n"))
                .hasMessageStartingWith(".gitlab-ci.yml:3: job 'job' script has a mapping where a command should be");
        assertThatThrownBy(() -> parse("job:\n  image: alpine\n"))
                .hasMessage(".gitlab-ci.yml:1: job 'job' has no script");
        assertThatThrownBy(() -> parse("job:\n  script: x\n  timeout: soon\n"))
                .hasMessageStartingWith(".gitlab-ci.yml:3: job 'job' timeout: cannot read 'soon'");
        assertThatThrownBy(() -> parse("job:\n  stage: deploy2\n  script: x\n"))
                .hasMessageStartingWith(".gitlab-ci.yml:2: job 'job' has stage 'deploy2', which is not in stages");
        assertThatThrownBy(() -> parse("oops: 3\n"))
                .hasMessageStartingWith(".gitlab-ci.yml:1: top-level key 'oops' is neither a keyword nor a job");
    }

    @Test
    void durationsAsGitLabWritesThem() {
        assertThat(GitLabDuration.parse("1h 30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GitLabDuration.parse("3 hours and 20 minutes")).isEqualTo(Duration.ofMinutes(200));
        assertThat(GitLabDuration.parse("2h20min")).isEqualTo(Duration.ofMinutes(140));
        assertThat(GitLabDuration.parse("1 day")).isEqualTo(Duration.ofDays(1));
        assertThat(GitLabDuration.parse("90")).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> GitLabDuration.parse("5 fortnights")).hasMessageContaining("fortnights");
    }
}
