package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MainTest {

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalOut;
    PrintStream originalErr;

    @BeforeEach
    void capture() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @Test
    void misuseExitsWithTwoAndUsage() {
        assertThat(Main.execute("--no-such-option")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Usage: clever-runner");
        assertThat(Main.execute()).isEqualTo(2);
    }

    @Test
    void versionNamesTheProject() {
        assertThat(Main.execute("--version")).isZero();
        // as gitlab-runner's: the version, then the git commit it was built from (8 hex digits, or unknown)
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("clever-runner 0.1.0")
                .containsPattern("^clever-runner \\S+ \\(([0-9a-f]{8}|unknown)\\)\n")
                .contains(" (" + Main.Version.revision() + ")\n");
        assertThat(Main.Version.number()).doesNotContain("(");
    }
}
