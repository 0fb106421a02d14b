package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.coordinator.payload.PayloadJson;
import org.junit.jupiter.api.Test;

/**
 * Payloads that cannot run as sent are refused by {@link JobPlans} with a line naming each problem, and a line never
 * shows a variable's value or the job token. Each case edits Rails' sample payload (rails-job-full.json) the way a
 * broken or hostile coordinator would.
 */
class JobPlansInvalidTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "glcbt-64_abcdefghijklmnopqrst";

    static JobPayload edited(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode tree;
        try (InputStream in = JobPlansInvalidTest.class.getResourceAsStream("/payloads/rails-job-full.json")) {
            tree = (ObjectNode) JSON.readTree(in);
        }
        edit.accept(tree);
        return PayloadJson.parseJob(JSON.writeValueAsBytes(tree));
    }

    /** The message of what JobPlans throws, or fails the test if it plans the job. */
    static String refusal(Consumer<ObjectNode> edit) throws IOException {
        JobPayload job = edited(edit);
        Throwable thrown = catchThrowable(() -> JobPlans.fromPayload(job, "r1"));
        assertThat(thrown).as("the payload must be refused").isInstanceOf(RuntimeException.class);
        assertThat(thrown.getMessage()).doesNotContain(TOKEN);
        return thrown.getMessage();
    }

    static ObjectNode variable(String key, String value) {
        return JSON.createObjectNode().put("key", key).put("value", value).put("public", false).put("masked", false);
    }

    static ArrayNode variables(ObjectNode tree) {
        return (ArrayNode) tree.get("variables");
    }

    @Test
    void theSampleItselfIsPlanned() throws IOException {
        assertThat(JobPlans.fromPayload(edited(tree -> { }), "r1").plan().script()).containsExactly("echo");
    }

    @Test
    void noStepsIsRefused() throws IOException {
        assertThat(refusal(tree -> tree.remove("steps"))).contains("no steps");
        assertThat(refusal(tree -> tree.putArray("steps"))).contains("no steps");
    }

    @Test
    void noScriptStepOrAScriptOfNoLinesIsRefused() throws IOException {
        assertThat(refusal(tree -> ((ArrayNode) tree.get("steps")).remove(0))).contains("no 'script' step");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("steps").get(0)).putNull("script")))
                .contains("'script' step has no lines");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("steps").get(0)).putArray("script")))
                .contains("'script' step has no lines");
    }

    @Test
    void aNegativeTimeoutIsRefusedAndShownAsPeopleWriteIt() throws IOException {
        assertThat(refusal(tree -> ((ObjectNode) tree.get("runner_info")).put("timeout", -300)))
                .contains("runner_info.timeout) is -5m").contains("must be positive");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("steps").get(0)).put("timeout", -5400)))
                .contains("step 'script' has a negative timeout (-1h30m)");
    }

    @Test
    void aVariableTooLargeForTheEnvironmentIsNamedWithItsSizeAndAFileVariableSuggested() throws IOException {
        String message = refusal(tree -> variables(tree).add(variable("HUGE", "x".repeat(1024 * 1024))));
        assertThat(message).contains("variable HUGE is 1 MiB (1048576 bytes)").contains("128 KiB")
                .contains("MAX_ARG_STRLEN").contains("file variable");
        // the same contents as a file variable is fine
        JobPayload file = edited(tree -> variables(tree).add(variable("HUGE", "x".repeat(1024 * 1024))
                .put("file", true)));
        assertThat(JobPlans.fromPayload(file, "r1").plan().variable("HUGE")).hasValueSatisfying(
                value -> assertThat(value).hasSize(1024 * 1024));
        // just under the limit: KEY=value and its NUL in 128 KiB
        JobPayload fits = edited(tree -> variables(tree).add(variable("FITS", "y".repeat(128 * 1024 - 6))));
        assertThat(JobPlans.fromPayload(fits, "r1").plan().variable("FITS")).isPresent();
        assertThat(refusal(tree -> variables(tree).add(variable("FITS", "y".repeat(128 * 1024 - 5)))))
                .contains("variable FITS is");
    }

    @Test
    void thousandsOfVariablesBeyondTheTotalAreRefusedOnce() throws IOException {
        String message = refusal(tree -> {
            for (int i = 0; i < 5000; i++) {
                variables(tree).add(variable("VAR_" + i, "v".repeat(300)));
            }
        });
        assertThat(message).contains("5004 variables take 1.5 MiB").contains("limited to 1 MiB");
    }

    @Test
    void keysNoGitLabSendsAreRefusedWithoutShowingTheValue() throws IOException {
        assertThat(refusal(tree -> variables(tree).add(variable("A=B", "s3cr3tValue"))))
                .contains("variable 'A=B' has an invalid key");
        assertThat(refusal(tree -> variables(tree).add(variable("LINE\nBREAK", "x"))))
                .contains("variable 'LINE\\u000aBREAK' has an invalid key");
        assertThat(refusal(tree -> variables(tree).add(variable("", "x")))).contains("variable '' has an invalid key");
        assertThat(refusal(tree -> variables(tree).add(JSON.createObjectNode().put("value", "x"))))
                .contains("variable (no key) has an invalid key");
        assertThat(refusal(tree -> variables(tree).add(variable("CLÉ", "x")))).contains("'CLÉ' has an invalid key");
        assertThat(refusal(tree -> variables(tree).add(variable("NUL", "a\u0000b")))).contains("NUL character");
    }

    @Test
    void imagesServicesAndAliasesThatNoEngineTakesAreRefused() throws IOException {
        assertThat(refusal(tree -> ((ObjectNode) tree.get("image")).put("name", "alpine;touch /tmp/x")))
                .contains("image name 'alpine;touch /tmp/x' is not a valid image reference");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("image")).put("name", "$(id)"))).contains("'$(id)'");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("image")).put("name", "../../etc/passwd")))
                .contains("is not a valid image reference");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("image")).put("name", "alpine\n:latest")))
                .contains("'alpine\\u000a:latest'");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("image")).put("pull_policy", "sometimes")))
                .contains("pull_policy 'sometimes' is not one of always, if-not-present, never");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("services").get(0)).put("name", "mysql|nc -l")))
                .contains("services[0] name 'mysql|nc -l'");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("services").get(0)).put("alias", "db;ls")))
                .contains("services[0] alias 'db;ls' is not a valid host name");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("services").get(0)).put("alias", "bäse")))
                .contains("alias 'bäse'");
    }

    @Test
    void pathsUrlsRefspecsAndRevisionsThatCouldEscapeAreRefused() throws IOException {
        assertThat(refusal(tree -> ((ObjectNode) tree.get("job_info")).put("project_full_path", "group/../../etc")))
                .contains("project path (job_info.project_full_path) 'group/../../etc'");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("job_info")).put("project_full_path", "/etc")))
                .contains("'/etc'");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("git_info")).put("repo_url", "file:///etc")))
                .contains("must be http or https, not 'file'");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("git_info")).put("repo_url",
                "ext::sh -c touch% /tmp/pwned-" + TOKEN))).contains("not 'ext'");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("git_info")).putArray("refspecs")
                .add("--upload-pack=touch /tmp/x"))).contains("refspecs: '--upload-pack=touch /tmp/x'");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("git_info")).put("sha", "HEAD")))
                .contains("git_info.sha 'HEAD' is not a full commit id");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("git_info")).put("ref", "--orphan")))
                .contains("git_info.ref '--orphan' must not start with '-'");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("git_info")).put("depth", -1)))
                .contains("git_info.depth is -1");
    }

    @Test
    void aCacheKeyThatClimbsIsSanitizedLikeGitlabRunnersNotRefused() throws IOException {
        JobPlans.Result result = JobPlans.fromPayload(edited(tree -> ((ObjectNode) tree.get("cache").get(0))
                .put("key", "../../other-project")), "r1");
        assertThat(result.plan().caches()).singleElement()
                .satisfies(cache -> assertThat(cache.key()).isEqualTo("other-project"));
        assertThat(result.warnings()).containsExactly("cache key '../../other-project' sanitized to 'other-project'");
    }

    @Test
    void controlCharactersLeftInACacheKeyAreRefused() throws IOException {
        assertThat(refusal(tree -> ((ObjectNode) tree.get("cache").get(0)).put("key", "deps\u001b[2J\nERROR: x")))
                .contains("cache[0] key 'deps\\u001b[2J\\u000aERROR: x' holds control characters");
        assertThat(refusal(tree -> ((ObjectNode) tree.get("cache").get(0)).putArray("fallback_keys").add("a\u0007b")))
                .contains("cache[0] fallback key 'a\\u0007b' holds control characters");
        // the index is the payload's, also when an earlier cache was skipped
        assertThat(refusal(tree -> {
            ((ObjectNode) tree.get("cache").get(0)).put("key", " / ");
            ((ArrayNode) tree.get("cache")).addObject().put("key", "b\u0000").putArray("paths").add("x");
        })).contains("cache[1] key 'b\\u0000' holds control characters");
        // gitlab-runner's sanitiser trims them when they trail: the job runs
        JobPayload trailing = edited(tree -> ((ObjectNode) tree.get("cache").get(0)).put("key", "deps\t\r\n"));
        assertThat(JobPlans.fromPayload(trailing, "r1").plan().caches().get(0).key()).isEqualTo("deps");
    }

    @Test
    void controlCharactersInTheJobsNameAreRefusedButUnicodeIsNot() throws IOException {
        assertThat(refusal(tree -> ((ObjectNode) tree.get("job_info")).put("name", "build\u001b[2J\nERROR: fake")))
                .contains("job_info.name) 'build\\u001b[2J\\u000aERROR: fake' holds control characters");
        JobPayload unicode = edited(tree -> ((ObjectNode) tree.get("job_info")).put("name", "déployer 🚀"));
        assertThat(JobPlans.fromPayload(unicode, "r1").plan().jobName()).isEqualTo("déployer 🚀");
    }

    @Test
    void aMaskedValueExpandedIntoAnImageNameIsQuotedAsItIsForTheMaskedLogOnly() throws IOException {
        // JobPlans quotes the expanded name; JobWorker's JobTrace masks it, and the runner log gets no problem text
        assertThat(refusal(tree -> ((ObjectNode) tree.get("image")).put("name", "$SECRET;x")))
                .contains("image name 's3cr3tValue;x'");
    }

    @Test
    void everyProblemIsListedAtOnce() throws IOException {
        String message = refusal(tree -> {
            tree.remove("steps");
            ((ObjectNode) tree.get("runner_info")).put("timeout", -1);
            ((ObjectNode) tree.get("image")).put("name", "bad image");
        });
        assertThat(message).contains("no steps", "-1s", "'bad image'");
    }
}
