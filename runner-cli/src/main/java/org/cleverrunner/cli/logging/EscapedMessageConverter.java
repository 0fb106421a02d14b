package org.cleverrunner.cli.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The message of a text log line with its control characters escaped ({@code \n}, {@code \r}, {@code \x1b}…): job
 * names, refs and other strings a job supplies can neither forge a log line nor move a terminal's cursor. Stack
 * traces are not messages and keep their lines.
 */
public class EscapedMessageConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return escape(event.getFormattedMessage());
    }

    static String escape(String message) {
        if (message == null || message.chars().noneMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
            return message;
        }
        StringBuilder out = new StringBuilder(message.length() + 16);
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append('\t');
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
