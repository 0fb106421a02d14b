package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.cleverrunner.core.internal.GoDuration;
import org.junit.jupiter.api.Test;

class VariablesTest {

    Map<String, String> values = Map.of("HOST", "db.local", "PORT", "5432", "EMPTY", "");

    @Test
    void expandsBothFormsAndUnknownToEmpty() {
        assertThat(Variables.expand("$HOST:${PORT}/x", values)).isEqualTo("db.local:5432/x");
        assertThat(Variables.expand("a${MISSING}b$MISSING.c", values)).isEqualTo("ab.c");
        assertThat(Variables.expand("${HOST}suffix $HOSTsuffix", values)).isEqualTo("db.localsuffix ");
        assertThat(Variables.expand("[$EMPTY]", values)).isEqualTo("[]");
    }

    @Test
    void doubleDollarIsALiteralDollarAndShellSyntaxIsKept() {
        assertThat(Variables.expand("$$HOST costs 5$", values)).isEqualTo("$HOST costs 5$");
        assertThat(Variables.expand("echo $1 $? $@ ${#x} ${ $", values)).isEqualTo("echo $1 $? $@ ${#x} ${ $");
        assertThat(Variables.expand("${HOST", values)).isEqualTo("${HOST");
        assertThat(Variables.expand(null, values)).isNull();
    }

    @Test
    void validKeys() {
        assertThat(Variables.isValidKey("CI_JOB_ID")).isTrue();
        assertThat(Variables.isValidKey("_x9")).isTrue();
        assertThat(Variables.isValidKey("9X")).isFalse();
        assertThat(Variables.isValidKey("MY-VAR")).isFalse();
        assertThat(Variables.isValidKey("")).isFalse();
        assertThat(Variables.isValidKey(null)).isFalse();
    }

    @Test
    void goDurations() {
        assertThat(GoDuration.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(GoDuration.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(GoDuration.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDuration.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDuration.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(GoDuration.parse("0")).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> GoDuration.parse("5 minutes")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5 minutes");
        assertThatThrownBy(() -> GoDuration.parse("300")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GoDuration.parse("-5m")).isInstanceOf(IllegalArgumentException.class);
    }
}
