package org.cleverrunner.clevercloud.provisioner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the {@code clever-cloud} backend creates job VMs (names and boot deadline are the host lifecycle's).
 *
 * @param organisation the organisation (orga_…) the applications are created in
 * @param flavorContext the products context whose flavors jobs choose from; their API names are
 *     {@code <context>-<FLAVOR>} (e.g. {@code heptapod-runner-XL})
 * @param defaultFlavor the flavor of jobs that name none
 * @param maxFlavor the largest flavor a job may ask for, or null for all
 * @param zone the zone the VMs run in
 * @param extraEnvironment more environment variables for every VM
 * @param gatewayJar the Docker gateway's runnable jar, pushed with its Dockerfile to each VM
 * @param endpointScheme how the VM's vhost is reached: https on Clever Cloud (http only for simulators)
 * @param repositoryTimeout how long the deployment repository may take to be ready
 * @param pollInterval how often states are polled
 * @param prices price per hour by flavor, for the cost line and admission
 * @param currency the prices' currency
 * @param push the credentials of pushes to https deployment repositories (clever-tools pushes with its OAuth
 *     token and secret)
 * @param instanceVariant the {@code instanceVariant} of created applications (default: the Heptapod Runner
 *     variant the previous runner created its VMs with)
 */
public record ProvisionerSettings(
        String organisation,
        String flavorContext,
        String defaultFlavor,
        String maxFlavor,
        String zone,
        Map<String, String> extraEnvironment,
        Path gatewayJar,
        String endpointScheme,
        Duration repositoryTimeout,
        Duration pollInterval,
        Map<String, Double> prices,
        String currency,
        org.cleverrunner.clevercloud.GitCredentials push,
        String instanceVariant) {

    /** The previous runner's instance variant ("the Heptapod Runner variant"), the default of new applications. */
    public static final String HEPTAPOD_RUNNER_VARIANT = "70d676a0-a775-4dc9-a43d-3121036e8515";

    /** Clever Cloud's runner flavors, smallest first. */
    public static final List<String> FLAVOR_ORDER = List.of("XS", "S", "M", "L", "XL", "2XL", "3XL", "4XL");

    public ProvisionerSettings {
        Objects.requireNonNull(organisation, "organisation");
        flavorContext = blank(flavorContext) ? "heptapod-runner" : flavorContext;
        defaultFlavor = blank(defaultFlavor) ? "M" : defaultFlavor.toUpperCase(java.util.Locale.ROOT);
        maxFlavor = blank(maxFlavor) ? null : maxFlavor.toUpperCase(java.util.Locale.ROOT);
        zone = blank(zone) ? "par" : zone;
        extraEnvironment = Map.copyOf(extraEnvironment == null ? Map.of() : extraEnvironment);
        endpointScheme = blank(endpointScheme) ? "https" : endpointScheme;
        repositoryTimeout = repositoryTimeout == null ? Duration.ofSeconds(60) : repositoryTimeout;
        pollInterval = pollInterval == null ? Duration.ofSeconds(2) : pollInterval;
        prices = Map.copyOf(prices == null ? Map.of() : prices);
        currency = blank(currency) ? "EUR" : currency;
        Objects.requireNonNull(push, "push");
        instanceVariant = blank(instanceVariant) ? HEPTAPOD_RUNNER_VARIANT : instanceVariant;
        if (!instanceVariant.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")) {
            throw new IllegalArgumentException("instance variant must be a UUID, got '" + instanceVariant + "'");
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
