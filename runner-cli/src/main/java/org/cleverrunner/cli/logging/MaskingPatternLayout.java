package org.cleverrunner.cli.logging;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * logback's {@link PatternLayout} whose whole output (message, arguments, stack traces, MDC) goes through the
 * {@link Redactor}. A {@code TurboFilter} can only drop events, not rewrite them, so masking happens here, at the
 * last step before bytes leave the process. Messages have their control characters escaped, so a job-supplied
 * string cannot forge a line.
 */
public class MaskingPatternLayout extends PatternLayout {

    /** The text format: time, level, logger and message. */
    public static final String DEFAULT_PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

    public MaskingPatternLayout() {
        for (String word : new String[] {"msg", "m", "message"}) {
            getInstanceConverterMap().put(word, EscapedMessageConverter::new);
        }
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        return Redactor.redact(super.doLayout(event));
    }
}
