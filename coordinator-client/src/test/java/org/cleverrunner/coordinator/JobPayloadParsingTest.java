package org.cleverrunner.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.coordinator.payload.JobService;
import org.cleverrunner.coordinator.payload.JobStep;
import org.cleverrunner.coordinator.payload.PayloadJson;
import org.junit.jupiter.api.Test;

class JobPayloadParsingTest {

    static byte[] resource(String name) throws IOException {
        try (InputStream in = JobPayloadParsingTest.class.getResourceAsStream("/payloads/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void parsesTheFullRailsPayloadIgnoringUnknownFields() throws IOException {
        JobPayload job = PayloadJson.parseJob(resource("rails-job-full.json"));

        assertThat(job.id()).isEqualTo(10);
        assertThat(job.token()).isEqualTo("glcbt-64_abcdefghijklmnopqrst");
        assertThat(job.allowGitFetch()).isTrue();
        assertThat(job.jobInfo().name()).isEqualTo("spinach");
        assertThat(job.jobInfo().projectFullPath()).isEqualTo("group/test-project");
        assertThat(job.gitInfo().sha()).isEqualTo("265c14cf140a66cfc61e40e4ab45c95ba8df5ed1");
        assertThat(job.gitInfo().refspecs()).containsExactly("+refs/pipelines/7:refs/pipelines/7",
                "+refs/heads/master:refs/remotes/origin/master");
        assertThat(job.gitInfo().depth()).isEqualTo(20);
        assertThat(job.gitInfo().isProtected()).isTrue();
        assertThat(job.timeoutSeconds()).isEqualTo(3600);

        assertThat(job.variables()).hasSize(4);
        assertThat(job.variables().get(1).masked()).isTrue();
        assertThat(job.variables().get(1).isPublic()).isFalse();
        assertThat(job.variables().get(2).file()).isTrue();
        assertThat(job.variables().get(3).raw()).isTrue();
        // Rails omits file/raw when false
        assertThat(job.variables().get(0).file()).isFalse();
        assertThat(job.variables().get(0).raw()).isFalse();
        assertThat(job.variable("CI_JOB_NAME")).contains("spinach");

        assertThat(job.steps()).extracting(JobStep::name).containsExactly("script", "after_script");
        assertThat(job.steps().get(1).allowFailure()).isTrue();
        assertThat(job.steps().get(1).when()).isEqualTo("always");
        assertThat(job.hooks().get(0).name()).isEqualTo("pre_get_sources_script");

        assertThat(job.image().name()).isEqualTo("image:1.0");
        assertThat(job.image().entrypoint()).containsExactly("/bin/sh");
        assertThat(job.image().executorOpts().docker().user()).isEqualTo("1000");
        assertThat(job.image().pullPolicy()).isEmpty();

        JobService dind = job.services().get(0);
        assertThat(dind.aliases()).containsExactly("docker");
        assertThat(dind.command()).containsExactly("sleep", "30");
        JobService mysql = job.services().get(1);
        assertThat(mysql.aliases()).isEmpty();
        assertThat(mysql.entrypoint()).isEmpty();
        assertThat(mysql.ports().get(0).number()).isEqualTo(3306);
        assertThat(mysql.variables().get(0).key()).isEqualTo("MYSQL_ROOT_PASSWORD");
        assertThat(mysql.pullPolicy()).containsExactly("if-not-present");

        assertThat(job.artifacts()).hasSize(2);
        assertThat(job.artifacts().get(1).untracked()).isFalse();
        assertThat(job.artifacts().get(1).exclude()).isEmpty();
        assertThat(job.artifacts().get(0).expireIn()).isEqualTo("7d");
        assertThat(job.cache().get(0).policy()).isEqualTo("pull-push");
        assertThat(job.credentials().get(0).url()).isEqualTo("registry.example.com");
        assertThat(job.dependencies().get(0).artifactsFile().filename()).isEqualTo("artifacts.zip");
        assertThat(job.dependencies().get(1).artifactsFile()).isNull();
        assertThat(job.features().traceSections()).isTrue();
        assertThat(job.features().failureReasons()).contains("script_failure", "data_integrity_failure");
    }

    @Test
    void acceptsTheStringAndListVariantsRailsFactoriesSend() throws IOException {
        JobPayload job = PayloadJson.parseJob(resource("rails-factory-variants.json"));

        assertThat(job.image().entrypoint()).containsExactly("/bin/sh", "-c");
        assertThat(job.image().pullPolicy()).containsExactly("always");
        assertThat(job.services().get(0).aliases()).containsExactly("hg", "heptapod", "forge");
        assertThat(job.services().get(0).command()).containsExactly("sleep", "30");
        assertThat(job.services().get(1).aliases()).containsExactly("db", "pg");
        assertThat(job.services().get(1).command()).containsExactly("postgres", "-c", "fsync=off");
        assertThat(job.artifacts()).isEmpty();
        assertThat(job.cache()).isEmpty();
        assertThat(job.dependencies()).isEmpty();
        assertThat(job.allowGitFetch()).isFalse();
        assertThat(job.gitInfo().refType()).isEqualTo("tag");
        assertThat(job.features().failureReasons()).isEmpty();
    }

    @Test
    void missingIdIsATypedErrorNamingTheField() {
        byte[] body = "{\"token\":\"glcbt-64_secretsecret\",\"job_info\":{}}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> PayloadJson.parseJob(body))
                .isInstanceOfSatisfying(InvalidJobPayloadException.class, e -> assertThat(e.field()).isEqualTo("id"))
                .hasMessageContaining("'id'")
                .hasMessageNotContaining("glcbt-64_secretsecret");
    }

    @Test
    void missingOrEmptyTokenIsATypedErrorNamingTheField() {
        assertThatThrownBy(() -> PayloadJson.parseJob("{\"id\":3}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(InvalidJobPayloadException.class,
                        e -> assertThat(e.field()).isEqualTo("token"));
        assertThatThrownBy(() -> PayloadJson.parseJob("{\"id\":3,\"token\":\"\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(InvalidJobPayloadException.class,
                        e -> assertThat(e.field()).isEqualTo("token"));
    }

    @Test
    void wronglyTypedFieldIsNamedWithItsPath() {
        byte[] body = ("{\"id\":3,\"token\":\"glcbt-64_secretsecret\",\"services\":[{\"name\":\"a\",\"ports\":"
                + "[{\"number\":\"not-a-number-glcbt-64_secretsecret\"}]}]}").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> PayloadJson.parseJob(body))
                .isInstanceOfSatisfying(InvalidJobPayloadException.class,
                        e -> assertThat(e.field()).isEqualTo("services[0].ports[0].number"))
                .hasMessageNotContaining("secretsecret")
                .hasNoCause();
    }

    @Test
    void nonJsonBodyIsATypedErrorThatDoesNotQuoteTheBody() {
        byte[] body = "glrt-runnertokenvalue <html>".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> PayloadJson.parseJob(body))
                .isInstanceOf(InvalidJobPayloadException.class)
                .hasMessageContaining("not valid JSON")
                .hasMessageNotContaining("runnertokenvalue")
                .hasNoCause();
    }

    @Test
    void toStringNeverShowsSecrets() throws IOException {
        JobPayload job = PayloadJson.parseJob(resource("rails-job-full.json"));
        String everything = job + " " + job.gitInfo() + " " + job.variables() + " " + job.credentials() + " "
                + job.dependencies() + " " + job.services();
        assertThat(everything)
                .doesNotContain("abcdefghijklmnopqrst")
                .doesNotContain("s3cr3tValue")
                .doesNotContain("root123.")
                .contains("CI_JOB_NAME=spinach");
        assertThat(job.gitInfo().repoUrlWithoutCredentials())
                .isEqualTo("https://gitlab.example.com/group/test-project.git");
    }

    @Test
    void roundTripsThroughTheSharedMapper() throws IOException {
        JobPayload job = PayloadJson.parseJob(resource("rails-job-full.json"));
        JobPayload again = PayloadJson.parseJob(PayloadJson.writeJob(job));
        assertThat(again).isEqualTo(job);
    }
}
