package org.cleverrunner.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.cleverrunner.cli.config.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LoggingTest {

    private static final Logger LOG = LoggerFactory.getLogger("org.cleverrunner.cli.LoggingTest");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @AfterEach
    void restore() {
        Logging.configure("info", "text");
        Redactor.clear();
    }

    @Test
    void textLinesMaskTokenShapesAndConfiguredSecrets() {
        Config.parse("""
                [[runners]]
                name = "a"
                url = "https://gitlab.example.com"
                token = "custom-runner-secret-42"
                """, null);
        Logging.configure("info", "text", out);
        LOG.info("registered with {} and {}", "glrt-abcDEF123_-.xyz", "GR1348941zzzzzz");
        LOG.info("the job token is glcbt-64_1234abcd, the runner's custom-runner-secret-42");
        LOG.warn("failed", new IllegalStateException("refused glpat-0123456789abcdef"));
        LOG.debug("not shown at info");

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("INFO  LoggingTest - registered with glrt-[MASKED] and GR1348941[MASKED]")
                .contains("the job token is glcbt-[MASKED], the runner's [MASKED]")
                .contains("IllegalStateException: refused glpat-[MASKED]")
                .doesNotContain("abcDEF123").doesNotContain("zzzzzz").doesNotContain("1234abcd")
                .doesNotContain("custom-runner-secret-42").doesNotContain("0123456789abcdef")
                .doesNotContain("not shown");
    }

    @Test
    void jsonLinesAreObjectsWithTimeLevelLoggerAndMaskedMessage() throws Exception {
        Logging.configure("debug", "json", out);
        LOG.debug("token \"glrt-secret_token_value\" in quotes");
        LOG.error("boom", new RuntimeException("with glrt-another_one"));

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        assertThat(first.get("level").asText()).isEqualTo("DEBUG");
        assertThat(first.get("logger").asText()).isEqualTo("org.cleverrunner.cli.LoggingTest");
        assertThat(first.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(first.get("message").asText()).isEqualTo("token \"glrt-[MASKED]\" in quotes");
        JsonNode second = json.readTree(lines.get(1));
        assertThat(second.get("level").asText()).isEqualTo("ERROR");
        assertThat(second.get("error").asText()).contains("RuntimeException: with glrt-[MASKED]");
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("secret_token_value", "another_one");
    }

    @Test
    void aJobsFieldsAreTopLevelJsonFieldsAsInGitLabRunnersLinesNumbersAsNumbers() throws Exception {
        Logging.configure("info", "json", out);
        org.slf4j.MDC.put("runner", "AbCdEf123");
        org.slf4j.MDC.put("job", "4242");
        org.slf4j.MDC.put("project", "17");
        org.slf4j.MDC.put("job-status", "failed");
        org.slf4j.MDC.put("duration_s", "12.500");
        org.slf4j.MDC.put("failure_reason", "script_failure");
        org.slf4j.MDC.put("message", "an MDC entry never replaces the layout's own field");
        try {
            LOG.info("runner r: job 4242 finished: FAILED (SCRIPT_FAILURE)");
        } finally {
            org.slf4j.MDC.clear();
        }

        JsonNode line = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8).strip());
        assertThat(line.get("runner").asText()).isEqualTo("AbCdEf123");
        assertThat(line.get("job").isNumber()).isTrue();
        assertThat(line.get("job").asLong()).isEqualTo(4242);
        assertThat(line.get("project").asLong()).isEqualTo(17);
        assertThat(line.get("duration_s").asDouble()).isEqualTo(12.5);
        assertThat(line.get("job-status").asText()).isEqualTo("failed");
        assertThat(line.get("failure_reason").asText()).isEqualTo("script_failure");
        assertThat(line.get("message").asText()).isEqualTo("runner r: job 4242 finished: FAILED (SCRIPT_FAILURE)");
    }

    @Test
    void atDebugTheHttpWireAndHeaderLoggersOfLibrariesStaySilent() {
        Logging.configure("debug", "text", out);
        String auth = "eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InMzY3IzdC1yZWdpc3RyeSJ9";
        LoggerFactory.getLogger("org.apache.hc.client5.http.wire").debug("http-outgoing-0 >> X-Registry-Auth: {}", auth);
        LoggerFactory.getLogger("org.apache.hc.client5.http.headers").debug("X-Registry-Auth: {}", auth);
        LoggerFactory.getLogger("com.github.dockerjava.core.exec.PullImageCmdExec").debug("pull {}", auth);
        LoggerFactory.getLogger("okhttp3.OkHttpClient").info("--> PUT JOB-TOKEN: {}", auth);
        LoggerFactory.getLogger("org.some.library").debug("library debug line");
        LOG.debug("our own debug line");

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("our own debug line").doesNotContain(auth).doesNotContain("library debug line");
    }

    @Test
    void aJobSuppliedNewlineCannotForgeATextLogLine() {
        Logging.configure("info", "text", out);
        LOG.info("job {} started", "build\n12:00:00.000 ERROR Engine - forged\u001b[2K");
        LOG.warn("failed", new IllegalStateException("first\nsecond"));

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).endsWith("job build\\n12:00:00.000 ERROR Engine - forged\\x1b[2K started");
        assertThat(lines).noneMatch(line -> line.startsWith("12:00:00.000 ERROR"));
        // a stack trace keeps its own lines
        assertThat(lines).anyMatch(line -> line.startsWith("java.lang.IllegalStateException: first"));
    }

    @Test
    void badLevelsAndFormatsAreRefusedWithTheChoices() {
        assertThatThrownBy(() -> Logging.configure("loud", "text", out)).hasMessageContaining("debug, info, warn or error");
        assertThatThrownBy(() -> Logging.configure("info", "xml", out)).hasMessageContaining("text or json");
    }
}
