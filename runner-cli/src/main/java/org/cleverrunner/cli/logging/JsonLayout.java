package org.cleverrunner.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON object per line: {@code time} (ISO-8601 UTC), {@code level}, {@code logger}, {@code thread},
 * {@code message}, the MDC entries beside them (a job's {@code runner}, {@code job}, {@code project}, and on its last
 * line {@code job-status}, {@code duration_s}, {@code failure_reason}), and {@code error} (the stack trace).
 * Strings are redacted before they are escaped, so that a token split by escaping is still found.
 */
public class JsonLayout extends LayoutBase<ILoggingEvent> {

    /** The layout's own fields, which an MDC entry never replaces. */
    private static final java.util.Set<String> TOP_LEVEL = java.util.Set.of("time", "level", "logger", "thread",
            "message", "error");
    private static final java.util.Set<String> NUMERIC = java.util.Set.of("job", "project", "duration_s");

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder json = new StringBuilder(256).append('{');
        field(json, "time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
        json.append(',');
        field(json, "level", event.getLevel().toString());
        json.append(',');
        field(json, "logger", event.getLoggerName());
        json.append(',');
        field(json, "thread", event.getThreadName());
        json.append(',');
        field(json, "message", event.getFormattedMessage());
        // the job's fields (runner, runner_name, job, project, job-status, duration_s, failure_reason) at the top,
        // where GitLab Runner's JSON lines carry them; numbers as numbers
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null) {
            new java.util.TreeMap<>(mdc).forEach((key, value) -> {
                if (!TOP_LEVEL.contains(key)) {
                    json.append(',');
                    if (NUMERIC.contains(key) && value != null && value.matches("[0-9]+(\\.[0-9]+)?")) {
                        json.append('"').append(JsonStringEncoder.getInstance().quoteAsString(key)).append("\":")
                                .append(value);
                    } else {
                        field(json, key, value);
                    }
                }
            });
        }
        IThrowableProxy error = event.getThrowableProxy();
        if (error != null) {
            json.append(',');
            field(json, "error", ThrowableProxyUtil.asString(error));
        }
        return json.append('}').append(CoreConstants.LINE_SEPARATOR).toString();
    }

    private static void field(StringBuilder json, String name, String value) {
        json.append('"').append(JsonStringEncoder.getInstance().quoteAsString(name)).append("\":");
        if (value == null) {
            json.append("null");
        } else {
            json.append('"').append(JsonStringEncoder.getInstance().quoteAsString(Redactor.redact(value))).append('"');
        }
    }

    @Override
    public String getContentType() {
        return "application/json";
    }
}
