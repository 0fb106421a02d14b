package org.cleverrunner.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.LoggerFactory;

/**
 * Sets up logback from config.toml's {@code log_level} and {@code log_format}, replacing the first configuration ({@link StartupConfigurator}):
 * one appender on standard error, text or JSON lines, every line redacted.
 */
public final class Logging {

    /** HTTP wire and header loggers of the libraries under the runner: off at every level. */
    static final List<String> WIRE_LOGGERS = List.of("org.apache.hc.client5.http.wire",
            "org.apache.hc.client5.http.headers", "org.apache.http.wire", "org.apache.http.headers", "okhttp3",
            "com.github.dockerjava");

    public static final String APPENDER_NAME = "CLEVER_RUNNER";
    private static final String PROBLEM_COUNTER = "problem-counter";

    private Logging() {
    }

    /**
     * Configures logging to standard error.
     *
     * @param level debug, info, warn or error (null: info); applies to the runner's own loggers, libraries stay at warn
     *              unless debug is asked for
     * @param format text or json (null: text)
     */
    public static void configure(String level, String format) {
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setTarget("System.err");
        install((LoggerContext) LoggerFactory.getILoggerFactory(), appender, level, format);
    }

    /** As {@link #configure(String, String)}, to another stream; for tests and embedding. */
    public static void configure(String level, String format, OutputStream out) {
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setOutputStream(Objects.requireNonNull(out, "out"));
        install((LoggerContext) LoggerFactory.getILoggerFactory(), appender, level, format);
    }

    /** The logback level for a config value; throws with the valid choices otherwise. */
    public static Level level(String level) {
        String name = level == null ? "info" : level.strip().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "debug" -> Level.DEBUG;
            case "info" -> Level.INFO;
            case "warn", "warning" -> Level.WARN;
            case "error" -> Level.ERROR;
            default -> throw new IllegalArgumentException("log level must be debug, info, warn or error, got \""
                    + level + "\"");
        };
    }

    /** Installs {@code appender} as the only one of {@code context}; also logback's first configuration's. */
    static void install(LoggerContext context, OutputStreamAppender<ILoggingEvent> appender, String level,
            String format) {
        Level threshold = level(level);
        String kind = format == null ? "text" : format.strip().toLowerCase(Locale.ROOT);
        if (!kind.equals("text") && !kind.equals("json")) {
            throw new IllegalArgumentException("log format must be text or json, got \"" + format + "\"");
        }
        Layout<ILoggingEvent> layout;
        if (kind.equals("json")) {
            layout = new JsonLayout();
        } else {
            MaskingPatternLayout pattern = new MaskingPatternLayout();
            pattern.setPattern(MaskingPatternLayout.DEFAULT_PATTERN);
            layout = pattern;
        }
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        appender.setContext(context);
        appender.setName(APPENDER_NAME);
        appender.setEncoder(encoder);
        appender.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        // a reload configures again: the problem counter (metrics) stays, every other appender is replaced
        java.util.List<ch.qos.logback.core.Appender<ILoggingEvent>> old = new java.util.ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(old::add);
        root.addAppender(appender);
        for (ch.qos.logback.core.Appender<ILoggingEvent> previous : old) {
            if (!PROBLEM_COUNTER.equals(previous.getName())) {
                root.detachAppender(previous);
                previous.stop();
            }
        }
        // Libraries (OkHttp, docker-java…) are noisy at info; they follow only when debugging, and never below
        // info: their debug lines dump requests, whose headers and bodies carry credentials (X-Registry-Auth,
        // job tokens, masked variables) that no redactor can recognise once encoded.
        root.setLevel(threshold == Level.DEBUG ? Level.INFO : Level.WARN);
        for (String wire : WIRE_LOGGERS) {
            context.getLogger(wire).setLevel(Level.OFF);
        }
        context.getLogger("org.cleverrunner").setLevel(threshold);
    }

    /**
     * Tells {@code sink} of every warning and error logged from now on ({@code "warning"}, {@code "error"}, as
     * logrus names the levels gitlab-runner's gitlab_runner_errors_total counts); after {@link #configure}.
     */
    public static void countProblems(java.util.function.Consumer<String> sink) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.core.AppenderBase<ILoggingEvent> counter = new ch.qos.logback.core.AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getLevel() == Level.ERROR) {
                    sink.accept("error");
                } else if (event.getLevel() == Level.WARN) {
                    sink.accept("warning");
                }
            }
        };
        counter.setContext(context);
        counter.setName(PROBLEM_COUNTER);
        counter.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(counter);
    }
}
