package org.cleverrunner.cli.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's first configuration, until config.toml is read ({@link Logging#configure}): text on standard error,
 * every line redacted, clever-runner's loggers at {@code $CLEVER_RUNNER_LOG_LEVEL} (info by default). Set up in
 * code, found by ServiceLoader, instead of a logback.xml: parsing XML with Joran loads some 400 classes, a tenth of
 * a short command's start ({@code clever-runner exec}). {@code -Dlogback.configurationFile} still wins.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class StartupConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        String level = System.getenv("CLEVER_RUNNER_LOG_LEVEL");
        try {
            Logging.level(level);
        } catch (IllegalArgumentException e) {
            level = null; // a wrong value here must not keep a command from running: config.toml's log_level says
        }
        ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setTarget("System.err");
        Logging.install(context, appender, level, "text");
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
