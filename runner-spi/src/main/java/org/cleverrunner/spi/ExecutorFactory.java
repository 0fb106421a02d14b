package org.cleverrunner.spi;

/** Creates {@link Executor}s; registered in {@code META-INF/services/org.cleverrunner.spi.ExecutorFactory}. */
public interface ExecutorFactory extends Provider {

    Executor create(ProviderSettings settings);
}
