package org.cleverrunner.core.hosts.pool;

import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * One period of a pool policy in the five-field cron syntax GitLab Runner's autoscaler takes
 * ({@code minute hour day-of-month month day-of-week}, e.g. {@code * 8-18 * * mon-fri}): {@code *}, values, ranges,
 * steps ({@code *}{@code /15}, {@code 0-30/10}), lists, and English day and month names. Day of week 0 and 7 are
 * Sunday. As in cron, when both day fields are restricted, either may match. Small enough to keep here rather than
 * take a cron library for five fields.
 */
public final class CronPeriod {

    private static final List<String> DAYS = List.of("sun", "mon", "tue", "wed", "thu", "fri", "sat");
    private static final List<String> MONTHS = List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
            "sep", "oct", "nov", "dec");

    private final String text;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean anyDayOfMonth;
    private final boolean anyDayOfWeek;

    private CronPeriod(String text, String[] fields) {
        this.text = text;
        this.minutes = field(fields[0], 0, 59, List.of(), 0, "minute");
        this.hours = field(fields[1], 0, 23, List.of(), 0, "hour");
        this.daysOfMonth = field(fields[2], 1, 31, List.of(), 0, "day of month");
        this.months = field(fields[3], 1, 12, MONTHS, 1, "month");
        BitSet week = field(fields[4], 0, 7, DAYS, 0, "day of week");
        if (week.get(7)) {
            week.set(0);
        }
        this.daysOfWeek = week;
        this.anyDayOfMonth = fields[2].equals("*");
        this.anyDayOfWeek = fields[4].equals("*");
    }

    /** Parses a period; the message of a refusal names the field and the value. */
    public static CronPeriod parse(String text) {
        String[] fields = text.strip().toLowerCase(Locale.ROOT).split("\\s+");
        if (fields.length != 5) {
            throw new IllegalArgumentException("period '" + text + "' needs 5 fields (minute hour day-of-month month"
                    + " day-of-week), it has " + fields.length);
        }
        return new CronPeriod(text.strip(), fields);
    }

    /** Whether the minute of {@code time} (in its own zone) is within the period. */
    public boolean matches(ZonedDateTime time) {
        if (!minutes.get(time.getMinute()) || !hours.get(time.getHour()) || !months.get(time.getMonthValue())) {
            return false;
        }
        boolean dom = daysOfMonth.get(time.getDayOfMonth());
        boolean dow = daysOfWeek.get(time.getDayOfWeek().getValue() % 7);
        if (anyDayOfMonth || anyDayOfWeek) {
            return dom && dow;
        }
        return dom || dow;
    }

    @Override
    public String toString() {
        return text;
    }

    private static BitSet field(String spec, int min, int max, List<String> names, int nameBase, String what) {
        BitSet set = new BitSet(max + 1);
        for (String part : spec.split(",")) {
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(part.substring(slash + 1), 1, max, List.of(), 0, what, spec);
                range = part.substring(0, slash);
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else if (range.contains("-")) {
                String[] ends = range.split("-", 2);
                from = number(ends[0], min, max, names, nameBase, what, spec);
                to = number(ends[1], min, max, names, nameBase, what, spec);
                if (to < from) {
                    throw new IllegalArgumentException("the " + what + " range '" + range + "' ends before it starts");
                }
            } else {
                from = number(range, min, max, names, nameBase, what, spec);
                to = slash >= 0 ? max : from;
            }
            for (int value = from; value <= to; value += step) {
                set.set(value);
            }
        }
        return set;
    }

    private static int number(String text, int min, int max, List<String> names, int nameBase, String what,
            String spec) {
        int named = names.indexOf(text);
        if (named >= 0) {
            return named + nameBase;
        }
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("'" + spec + "' is not a " + what + " (" + min + "-" + max
                + (names.isEmpty() ? "" : " or " + names.get(0) + "…") + ")");
    }
}
