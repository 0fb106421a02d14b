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
 * {@code message}, the MDC entries when there are some, and {@code error} (the stack trace) when there is one.
 * Strings are redacted before they are escaped, so that a token split by escaping is still found.
 */
public class JsonLayout extends LayoutBase<ILoggingEvent> {

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
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null && !mdc.isEmpty()) {
            json.append(",\"mdc\":{");
            boolean first = true;
            for (Map.Entry<String, String> entry : mdc.entrySet()) {
                if (!first) {
                    json.append(',');
                }
                first = false;
                field(json, entry.getKey(), entry.getValue());
            }
            json.append('}');
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
