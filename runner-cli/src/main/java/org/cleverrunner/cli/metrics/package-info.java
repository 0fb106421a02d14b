/**
 * Metrics and health of a running runner: {@link org.cleverrunner.cli.metrics.EngineMetrics} turns the engine's
 * events into Micrometer meters, {@link org.cleverrunner.cli.metrics.MetricsServer} serves them to Prometheus at
 * {@code /metrics} with a {@code /health} probe for load balancers and orchestrators.
 */
package org.cleverrunner.cli.metrics;
