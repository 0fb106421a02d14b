package org.cleverrunner.cli.metrics;

/**
 * Prometheus' text exposition format, for the families written by hand beside Micrometer's (gitlab-runner's own,
 * the standard process collector's): a family's HELP and TYPE lines, numbers, label values.
 */
final class TextFormat {

    private TextFormat() {
    }

    static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** Whole numbers without a fraction, as Prometheus' clients write counts; others in plain decimals. */
    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return Double.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : java.math.BigDecimal.valueOf(value).toPlainString();
    }

    /** A label value as the text format wants it: backslash, double quote and newline escaped. */
    static String escape(String value) {
        return value == null ? "" : value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
