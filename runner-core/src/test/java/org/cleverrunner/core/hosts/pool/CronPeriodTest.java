package org.cleverrunner.core.hosts.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** GitLab Runner's five-field periods: ranges, steps, lists, names, Sunday as 0 or 7, either day field matching. */
class CronPeriodTest {

    static ZonedDateTime at(String text) {
        return ZonedDateTime.parse(text);
    }

    @Test
    void workingHoursOnWeekdaysInTheirOwnTimezone() {
        CronPeriod office = CronPeriod.parse("* 8-18 * * mon-fri");
        assertThat(office.matches(at("2026-12-07T08:00+01:00[Europe/Paris]"))).as("Monday 8:00").isTrue();
        assertThat(office.matches(at("2026-12-07T18:59+01:00[Europe/Paris]"))).as("Monday 18:59").isTrue();
        assertThat(office.matches(at("2026-12-07T19:00+01:00[Europe/Paris]"))).as("Monday 19:00").isFalse();
        assertThat(office.matches(at("2026-12-12T10:00+01:00[Europe/Paris]"))).as("Saturday").isFalse();
    }

    @Test
    void stepsListsSundaysAndEitherDayField() {
        CronPeriod quarter = CronPeriod.parse("*/15 * * * *");
        assertThat(quarter.matches(at("2026-12-07T10:30Z[UTC]"))).isTrue();
        assertThat(quarter.matches(at("2026-12-07T10:31Z[UTC]"))).isFalse();
        assertThat(CronPeriod.parse("0 0 * * 7").matches(at("2026-12-06T00:00Z[UTC]"))).as("Sunday as 7").isTrue();
        assertThat(CronPeriod.parse("0 0 * * 0").matches(at("2026-12-06T00:00Z[UTC]"))).as("Sunday as 0").isTrue();
        CronPeriod firstOrFriday = CronPeriod.parse("* * 1 * fri");
        assertThat(firstOrFriday.matches(at("2026-12-01T12:00Z[UTC]"))).as("the 1st, a Tuesday").isTrue();
        assertThat(firstOrFriday.matches(at("2026-12-11T12:00Z[UTC]"))).as("a Friday").isTrue();
        assertThat(firstOrFriday.matches(at("2026-12-10T12:00Z[UTC]"))).as("neither").isFalse();
        assertThat(CronPeriod.parse("0-30/10,45 9 * dec *").matches(at("2026-12-07T09:20Z[UTC]"))).isTrue();
    }

    @Test
    void badPeriodsNameTheFieldAndTheValue() {
        assertThatThrownBy(() -> CronPeriod.parse("* 8-18 * *")).hasMessage("period '* 8-18 * *' needs 5 fields"
                + " (minute hour day-of-month month day-of-week), it has 4");
        assertThatThrownBy(() -> CronPeriod.parse("* 25 * * *")).hasMessage("'25' is not a hour (0-23)");
        assertThatThrownBy(() -> CronPeriod.parse("* * * * funday")).hasMessage("'funday' is not a day of week (0-7"
                + " or sun…)");
        assertThatThrownBy(() -> CronPeriod.parse("* 18-8 * * *")).hasMessage("the hour range '18-8' ends before it"
                + " starts");
    }
}
