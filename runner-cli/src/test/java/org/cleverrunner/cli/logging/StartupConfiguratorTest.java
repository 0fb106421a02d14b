package org.cleverrunner.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class StartupConfiguratorTest {

    @Test
    void isLogbacksFirstConfigurationFoundByServiceLoader() {
        assertThat(ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type))
                .contains(StartupConfigurator.class);
    }

    @Test
    void setsUpWhatLogbackXmlDid() {
        LoggerContext context = new LoggerContext();
        StartupConfigurator configurator = new StartupConfigurator();
        configurator.setContext(context);

        Configurator.ExecutionStatus status = configurator.configure(context);

        assertThat(status).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        // CLEVER_RUNNER_LOG_LEVEL is not set in the test JVM
        assertThat(context.getLogger("org.cleverrunner").getLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger("org.apache.hc.client5.http.wire").getLevel()).isEqualTo(Level.OFF);
        ConsoleAppender<?> appender = (ConsoleAppender<?>) root.getAppender(Logging.APPENDER_NAME);
        assertThat(appender.getTarget()).isEqualTo("System.err");
        assertThat(((LayoutWrappingEncoder<?>) appender.getEncoder()).getLayout())
                .isInstanceOf(MaskingPatternLayout.class);
    }
}
