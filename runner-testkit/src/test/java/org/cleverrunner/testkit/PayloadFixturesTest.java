package org.cleverrunner.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.cleverrunner.coordinator.payload.ArtifactSpec;
import org.cleverrunner.coordinator.payload.CacheSpec;
import org.cleverrunner.coordinator.payload.ExecutorOptions;
import org.cleverrunner.coordinator.payload.JobImage;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.coordinator.payload.JobService;
import org.cleverrunner.coordinator.payload.JobStep;
import org.cleverrunner.coordinator.payload.JobVariable;
import org.cleverrunner.coordinator.payload.PayloadJson;
import org.cleverrunner.coordinator.payload.PortSpec;
import org.cleverrunner.coordinator.payload.RegistryCredential;
import org.junit.jupiter.api.Test;

/**
 * The fake's payloads against fixtures written from GitLab's API entities ({@code API::Entities::Ci::JobRequest::*}
 * and the request_response examples of Rails' runner specs), not from the client: the fake builds exactly the
 * fixture's tree, serves it as built, and the client reads each fixture into what the fixture says.
 */
class PayloadFixturesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "glcbt-64_abcdefghijklmnopqrst";
    static final List<String> FIXTURES = List.of("job-full.json", "job-minimal.json", "job-heptapod-hg.json");

    static JsonNode fixture(String name) throws IOException {
        try (InputStream in = FakeCoordinator.class.getResourceAsStream("payloads/" + name)) {
            assertThat(in).as(name).isNotNull();
            return JSON.readTree(in);
        }
    }

    /** The job of job-full.json, said through JobBuilder's public API. */
    static JobBuilder fullJob(JobHandle dependency) {
        return Jobs.job("spinach").stage("test").project(123, "group/test-project").pipelineId(7)
                .repoUrl("https://gitlab.example.com/group/test-project.git")
                .sha("265c14cf140a66cfc61e40e4ab45c95ba8df5ed1").beforeSha("fc40ad32cdd36b814f07a540605110edc209a38c")
                .ref("master").timeout(Duration.ofHours(1))
                .script("echo").afterScript("ls", "date")
                .hook("pre_get_sources_script", "echo 'hello pre_get_sources_script'")
                .image(new JobImage("image:1.0", List.of("/bin/sh"), null, List.of(new PortSpec(8080, "http", "web")),
                        new ExecutorOptions(new ExecutorOptions.Docker("linux/amd64", "dave")),
                        List.of("if-not-present")))
                .service(new JobService("docker:stable-dind", List.of("/bin/sh"), List.of("sleep", "30"), "docker",
                        null, null, null, null))
                .service(new JobService("mysql:latest", null, null, null, List.of(new PortSpec(3306, "tcp", "db")),
                        List.of(new JobService.ServiceVariable("MYSQL_ROOT_PASSWORD", "root123.")), null,
                        List.of("if-not-present")))
                .maskedVariable("SECRET", "s3cr3tValue")
                .fileVariable("KUBECONFIG", "apiVersion: v1")
                .rawVariable("LITERAL", "$NOT_EXPANDED")
                .artifact(new ArtifactSpec("artifacts_file", false, List.of("out/"), List.of("out/*.tmp"), "always",
                        "7d", "archive", "zip"))
                .artifact(new ArtifactSpec("junit", false, List.of("rspec.xml"), null, "always", null, "junit",
                        "gzip"))
                .cache(new CacheSpec("cache_key-protected", false, List.of("vendor/*"), "pull-push", "on_success",
                        List.of("main-protected")))
                .credential(new RegistryCredential("registry", "registry.example.com", "gitlab-ci-token", TOKEN))
                .dependency(dependency);
    }

    @Test
    void theFakesFullJobEqualsTheFixtureFieldByField() throws IOException {
        JobHandle build = new JobHandle(9, "glcbt-64_buildbuildbuildbuild", "build");
        ObjectNode built = fullJob(build).build(10, TOKEN, "https://gitlab.example.com", 99,
                Instant.parse("2026-01-15T10:00:00.250Z"));
        ObjectNode handedOut = JobBuilder.withDependencies(built, TOKEN, List.of(build),
                handle -> new StoredArtifact("artifacts.zip", "archive", "zip", null, new byte[13]));

        assertThat(differences("", fixture("job-full.json"), handedOut)).isEmpty();
        // without an archive, Rails leaves artifacts_file out
        assertThat(JobBuilder.withDependencies(built, TOKEN, List.of(build), handle -> null)
                .at("/dependencies/0").has("artifacts_file")).isFalse();
    }

    @Test
    void theComparisonSeesARenamedMissingOrChangedField() throws IOException {
        JsonNode fixture = fixture("job-full.json");
        ObjectNode changed = (ObjectNode) fixture.deepCopy();
        ((ObjectNode) changed.get("job_info")).put("queue_size", 1);
        ObjectNode gitInfo = (ObjectNode) changed.get("git_info");
        gitInfo.set("refSpecs", gitInfo.remove("refspecs"));
        ((ObjectNode) changed.get("variables").get(45)).remove("file");
        assertThat(differences("", fixture, changed)).containsExactly(
                "git_info.refSpecs: not in the fixture (got [\"+refs/pipelines/7:refs/pipelines/7\","
                        + "\"+refs/heads/master:refs/remotes/origin/master\"])",
                "git_info.refspecs: missing (expected [\"+refs/pipelines/7:refs/pipelines/7\","
                        + "\"+refs/heads/master:refs/remotes/origin/master\"])",
                "job_info.queue_size: 1, the fixture has 0",
                "variables[45].file: missing (expected true)");
    }

    @Test
    void theFakeServesTheTreeItBuiltWithRailsNames() throws IOException {
        try (FakeCoordinator fake = FakeCoordinator.builder().firstJobId(9).start()) {
            RunnerHandle runner = fake.addRunner("glrt-payloadfixtures1", Set.of(), true);
            JobHandle build = fake.enqueue(Jobs.job("build"));
            new TestHttp(fake).requestJob(runner.token()); // hands out job 9, whose artifacts stay empty
            JobHandle job = fake.enqueue(fullJob(build));

            HttpResponse<byte[]> response = new TestHttp(fake).requestJob(runner.token());

            assertThat(response.statusCode()).isEqualTo(201);
            JsonNode served = JSON.readTree(response.body());
            String startedAt = find(served.get("variables"), "CI_JOB_STARTED_AT").get("value").asText();
            ObjectNode expected = JobBuilder.withDependencies(fullJob(build).build(job.id(), job.token(),
                    fake.serverUrl(), 0, Instant.parse(startedAt)), job.token(), List.of(build), handle -> null);
            assertThat(differences("", expected, served)).isEmpty();
            // and the same field names as the fixture, everywhere
            assertThat(names("", served)).isEqualTo(names("", withoutArtifactsFile(fixture("job-full.json"))));
        }
    }

    @Test
    void theClientReadsEachFixtureIntoWhatItSays() throws IOException {
        for (String name : FIXTURES) {
            JsonNode tree = fixture(name);
            JobPayload job = PayloadJson.parseJob(JSON.writeValueAsBytes(tree));
            assertReads(name, tree, job);
        }
    }

    /** Each field of the fixture, by Rails' name, against the record the client made of it. */
    static void assertReads(String name, JsonNode t, JobPayload job) {
        String as = name + ": ";
        assertThat(job.id()).as(as + "id").isEqualTo(t.get("id").asLong());
        assertThat(job.token()).as(as + "token").isEqualTo(t.get("token").asText());
        assertThat(job.allowGitFetch()).as(as + "allow_git_fetch").isEqualTo(t.get("allow_git_fetch").asBoolean());

        JsonNode info = t.get("job_info");
        assertThat(job.jobInfo().id()).as(as + "job_info.id").isEqualTo(info.get("id").asLong());
        assertThat(job.jobInfo().name()).as(as + "job_info.name").isEqualTo(info.get("name").asText());
        assertThat(job.jobInfo().stage()).as(as + "job_info.stage").isEqualTo(info.get("stage").asText());
        assertThat(job.jobInfo().pipelineId()).as(as + "job_info.pipeline_id")
                .isEqualTo(info.get("pipeline_id").asLong());
        assertThat(job.jobInfo().projectId()).as(as + "job_info.project_id").isEqualTo(info.get("project_id").asLong());
        assertThat(job.jobInfo().projectName()).as(as + "job_info.project_name")
                .isEqualTo(info.get("project_name").asText());
        assertThat(job.jobInfo().projectFullPath()).as(as + "job_info.project_full_path")
                .isEqualTo(info.get("project_full_path").asText());
        assertThat(job.jobInfo().namespaceId()).as(as + "job_info.namespace_id")
                .isEqualTo(info.get("namespace_id").asLong());
        assertThat(job.jobInfo().rootNamespaceId()).as(as + "job_info.root_namespace_id")
                .isEqualTo(info.get("root_namespace_id").asLong());
        assertThat(job.jobInfo().userId()).as(as + "job_info.user_id").isEqualTo(info.get("user_id").asLong());
        assertThat(job.jobInfo().timeInQueueSeconds()).as(as + "job_info.time_in_queue_seconds")
                .isEqualTo(info.get("time_in_queue_seconds").asDouble());

        JsonNode git = t.get("git_info");
        assertThat(job.gitInfo().repoUrl()).as(as + "git_info.repo_url").isEqualTo(git.get("repo_url").asText());
        assertThat(job.gitInfo().ref()).as(as + "git_info.ref").isEqualTo(git.get("ref").asText());
        assertThat(job.gitInfo().sha()).as(as + "git_info.sha").isEqualTo(git.get("sha").asText());
        assertThat(job.gitInfo().beforeSha()).as(as + "git_info.before_sha").isEqualTo(git.get("before_sha").asText());
        assertThat(job.gitInfo().refType()).as(as + "git_info.ref_type").isEqualTo(git.get("ref_type").asText());
        assertThat(job.gitInfo().refspecs()).as(as + "git_info.refspecs").isEqualTo(strings(git.get("refspecs")));
        assertThat(job.gitInfo().depth()).as(as + "git_info.depth").isEqualTo(git.get("depth").asInt());
        assertThat(job.gitInfo().repoObjectFormat()).as(as + "git_info.repo_object_format")
                .isEqualTo(git.get("repo_object_format").asText());
        assertThat(job.gitInfo().isProtected()).as(as + "git_info.protected")
                .isEqualTo(git.get("protected").asBoolean());
        assertThat(job.gitInfo().repoType()).as(as + "git_info.repo_type")
                .isEqualTo(git.has("repo_type") ? git.get("repo_type").asText() : null);
        assertThat(job.gitInfo().hgsha()).as(as + "git_info.hgsha")
                .isEqualTo(git.has("hgsha") ? git.get("hgsha").asText() : null);

        assertThat(job.runnerInfo().timeout()).as(as + "runner_info.timeout")
                .isEqualTo(t.at("/runner_info/timeout").asLong());
        assertThat(job.runnerInfo().runnerSessionUrl()).as(as + "runner_info.runner_session_url").isNull();

        assertThat(job.variables()).as(as + "variables").hasSize(t.get("variables").size());
        for (int i = 0; i < job.variables().size(); i++) {
            JsonNode v = t.get("variables").get(i);
            JobVariable read = job.variables().get(i);
            assertThat(List.of(read.key(), read.value(), read.isPublic(), read.masked(), read.file(), read.raw()))
                    .as(as + "variables[" + i + "]")
                    .isEqualTo(List.of(v.get("key").asText(), v.get("value").asText(), v.get("public").asBoolean(),
                            v.get("masked").asBoolean(), v.path("file").asBoolean(false),
                            v.path("raw").asBoolean(false)));
        }

        assertThat(job.steps()).as(as + "steps").hasSize(t.get("steps").size());
        for (int i = 0; i < job.steps().size(); i++) {
            JsonNode s = t.get("steps").get(i);
            JobStep read = job.steps().get(i);
            assertThat(List.of(read.name(), read.script(), read.timeout(), read.when(), read.allowFailure()))
                    .as(as + "steps[" + i + "]")
                    .isEqualTo(List.of(s.get("name").asText(), strings(s.get("script")), s.get("timeout").asLong(),
                            s.get("when").asText(), s.get("allow_failure").asBoolean()));
        }
        assertThat(job.hooks()).as(as + "hooks").hasSize(t.path("hooks").size());
        for (int i = 0; i < job.hooks().size(); i++) {
            assertThat(job.hooks().get(i).name()).isEqualTo(t.get("hooks").get(i).get("name").asText());
            assertThat(job.hooks().get(i).script()).isEqualTo(strings(t.get("hooks").get(i).get("script")));
        }

        JsonNode image = t.get("image");
        if (image.isNull()) {
            assertThat(job.image()).as(as + "image").isNull();
        } else {
            assertThat(job.image().name()).as(as + "image.name").isEqualTo(image.get("name").asText());
            assertThat(job.image().entrypoint()).as(as + "image.entrypoint")
                    .isEqualTo(strings(image.get("entrypoint")));
            assertThat(job.image().pullPolicy()).as(as + "image.pull_policy")
                    .isEqualTo(strings(image.get("pull_policy")));
            assertPorts(as + "image.ports", image.get("ports"), job.image().ports());
            assertDocker(as + "image.executor_opts", image.get("executor_opts"), job.image().executorOpts());
        }
        assertThat(job.services()).as(as + "services").hasSize(t.get("services").size());
        for (int i = 0; i < job.services().size(); i++) {
            JsonNode s = t.get("services").get(i);
            JobService read = job.services().get(i);
            String at = as + "services[" + i + "].";
            assertThat(read.name()).as(at + "name").isEqualTo(s.get("name").asText());
            assertThat(read.entrypoint()).as(at + "entrypoint").isEqualTo(strings(s.get("entrypoint")));
            assertThat(read.command()).as(at + "command").isEqualTo(strings(s.get("command")));
            assertThat(read.alias()).as(at + "alias")
                    .isEqualTo(s.get("alias").isNull() ? null : s.get("alias").asText());
            assertThat(read.pullPolicy()).as(at + "pull_policy").isEqualTo(strings(s.get("pull_policy")));
            assertPorts(at + "ports", s.get("ports"), read.ports());
            assertDocker(at + "executor_opts", s.get("executor_opts"), read.executorOpts());
            assertThat(read.variables()).as(at + "variables").hasSize(s.get("variables").size());
            for (int j = 0; j < read.variables().size(); j++) {
                assertThat(read.variables().get(j).key()).isEqualTo(s.get("variables").get(j).get("key").asText());
                assertThat(read.variables().get(j).value()).isEqualTo(s.get("variables").get(j).get("value").asText());
            }
        }

        assertThat(job.artifacts()).as(as + "artifacts").hasSize(t.get("artifacts").size());
        for (int i = 0; i < job.artifacts().size(); i++) {
            JsonNode a = t.get("artifacts").get(i);
            ArtifactSpec read = job.artifacts().get(i);
            assertThat(List.of(String.valueOf(read.name()), read.untracked(), read.paths(), read.exclude(),
                    String.valueOf(read.when()), String.valueOf(read.expireIn()), String.valueOf(read.artifactType()),
                    String.valueOf(read.artifactFormat())))
                    .as(as + "artifacts[" + i + "]")
                    .isEqualTo(List.of(a.get("name").asText(), a.path("untracked").asBoolean(false),
                            strings(a.get("paths")), strings(a.get("exclude")), a.get("when").asText(),
                            a.get("expire_in").isNull() ? "null" : a.get("expire_in").asText(),
                            a.get("artifact_type").asText(), a.get("artifact_format").asText()));
        }
        assertThat(job.cache()).as(as + "cache").hasSize(t.get("cache").size());
        for (int i = 0; i < job.cache().size(); i++) {
            JsonNode c = t.get("cache").get(i);
            CacheSpec read = job.cache().get(i);
            assertThat(List.of(read.key(), read.untracked(), read.paths(), read.policy(), read.when(),
                    read.fallbackKeys())).as(as + "cache[" + i + "]")
                    .isEqualTo(List.of(c.get("key").asText(), c.get("untracked").asBoolean(), strings(c.get("paths")),
                            c.get("policy").asText(), c.get("when").asText(), strings(c.get("fallback_keys"))));
        }
        assertThat(job.credentials()).as(as + "credentials").hasSize(t.get("credentials").size());
        for (int i = 0; i < job.credentials().size(); i++) {
            JsonNode c = t.get("credentials").get(i);
            RegistryCredential read = job.credentials().get(i);
            assertThat(List.of(read.type(), read.url(), read.username(), read.password()))
                    .as(as + "credentials[" + i + "]").isEqualTo(List.of(c.get("type").asText(),
                            c.get("url").asText(), c.get("username").asText(), c.get("password").asText()));
        }
        assertThat(job.dependencies()).as(as + "dependencies").hasSize(t.get("dependencies").size());
        for (int i = 0; i < job.dependencies().size(); i++) {
            JsonNode d = t.get("dependencies").get(i);
            var read = job.dependencies().get(i);
            assertThat(read.id()).isEqualTo(d.get("id").asLong());
            assertThat(read.name()).isEqualTo(d.get("name").asText());
            assertThat(read.token()).isEqualTo(d.get("token").asText());
            if (d.has("artifacts_file")) {
                assertThat(read.artifactsFile().filename()).isEqualTo(d.at("/artifacts_file/filename").asText());
                assertThat(read.artifactsFile().size()).isEqualTo(d.at("/artifacts_file/size").asLong());
            } else {
                assertThat(read.artifactsFile()).as(as + "dependencies[" + i + "].artifacts_file").isNull();
            }
        }
        assertThat(job.features().traceSections()).as(as + "features.trace_sections")
                .isEqualTo(t.at("/features/trace_sections").asBoolean());
        assertThat(job.features().failureReasons()).as(as + "features.failure_reasons")
                .isEqualTo(strings(t.at("/features/failure_reasons")));
    }

    static void assertPorts(String as, JsonNode ports, List<PortSpec> read) {
        assertThat(read).as(as).hasSize(ports.size());
        for (int i = 0; i < read.size(); i++) {
            JsonNode p = ports.get(i);
            assertThat(read.get(i)).as(as + "[" + i + "]")
                    .isEqualTo(new PortSpec(p.get("number").asInt(), p.get("protocol").asText(),
                            p.get("name").asText()));
        }
    }

    static void assertDocker(String as, JsonNode opts, ExecutorOptions read) {
        JsonNode docker = opts.path("docker");
        if (docker.isMissingNode()) {
            assertThat(read == null || read.docker() == null).as(as + ".docker").isTrue();
            return;
        }
        assertThat(read.docker().platform()).as(as + ".docker.platform")
                .isEqualTo(docker.path("platform").asText(null));
        assertThat(read.docker().user()).as(as + ".docker.user").isEqualTo(docker.path("user").asText(null));
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(item -> out.add(item.asText()));
        }
        return out;
    }

    /** Every place where {@code actual} differs from {@code expected}: a missing, extra or different field. */
    static List<String> differences(String path, JsonNode expected, JsonNode actual) {
        List<String> out = new ArrayList<>();
        if (actual == null || actual.isMissingNode()) {
            out.add(path + ": missing (expected " + expected + ")");
        } else if (expected.isObject() && actual.isObject()) {
            Set<String> names = new TreeSet<>();
            expected.fieldNames().forEachRemaining(names::add);
            actual.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String at = path.isEmpty() ? name : path + "." + name;
                if (!expected.has(name)) {
                    out.add(at + ": not in the fixture (got " + actual.get(name) + ")");
                } else {
                    out.addAll(differences(at, expected.get(name), actual.get(name)));
                }
            }
        } else if (expected.isArray() && actual.isArray()) {
            if (expected.size() != actual.size()) {
                out.add(path + ": " + actual.size() + " items, the fixture has " + expected.size());
            }
            for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
                out.addAll(differences(path + "[" + i + "]", expected.get(i), actual.get(i)));
            }
        } else if (!expected.equals(actual) && !(expected.isNumber() && actual.isNumber()
                && expected.decimalValue().compareTo(actual.decimalValue()) == 0)) {
            out.add(path + ": " + actual + ", the fixture has " + expected);
        }
        return out;
    }

    /** The field names of a tree, with their paths (array indexes dropped). */
    static Set<String> names(String path, JsonNode node) {
        Set<String> out = new TreeSet<>();
        if (node.isObject()) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                String at = path + "/" + name;
                out.add(at);
                out.addAll(names(at, node.get(name)));
            }
        } else if (node.isArray()) {
            node.forEach(item -> out.addAll(names(path + "[]", item)));
        }
        return out;
    }

    static JsonNode withoutArtifactsFile(JsonNode fixture) {
        ObjectNode copy = (ObjectNode) fixture.deepCopy();
        copy.get("dependencies").forEach(dep -> ((ObjectNode) dep).remove("artifacts_file"));
        return copy;
    }

    static JsonNode find(JsonNode variables, String key) {
        for (JsonNode v : variables) {
            if (v.get("key").asText().equals(key)) {
                return v;
            }
        }
        throw new AssertionError("no variable " + key);
    }
}
