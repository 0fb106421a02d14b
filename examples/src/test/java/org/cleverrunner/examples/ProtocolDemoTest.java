package org.cleverrunner.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProtocolDemoTest {

    @Test
    void runsTwoJobsThroughTheProtocolWithIdenticalLogs() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int exit = new ProtocolDemo(new PrintStream(out, true, StandardCharsets.UTF_8), false).run();

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isZero();
        assertThat(printed).contains("from job", "step 3", "about to fail", "exit code 3")
                .doesNotContain("never printed")
                .contains("success", "failed", "script_failure", "(matches the runner's)")
                .contains("Demo OK");
    }

    @Test
    void quietPrintsTheSummaryOnly() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int exit = new ProtocolDemo(new PrintStream(out, true, StandardCharsets.UTF_8), true).run();

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isZero();
        assertThat(printed).contains("Demo OK").doesNotContain("step 3");
    }
}
