package org.cleverrunner.clevercloud.provisioner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the {@code clever-cloud} provisioner creates job VMs.
 *
 * @param organisation the organisation (orga_…) the applications are created in
 * @param flavorContext the products context whose flavors jobs choose from; their API names are
 *     {@code <context>-<FLAVOR>} (e.g. {@code heptapod-runner-XL})
 * @param namePrefix the first part of every application name: {@code <prefix>-<runner id>-<job id>}
 * @param defaultFlavor the flavor of jobs that name none
 * @param maxFlavor the largest flavor a job may ask for, or null for all
 * @param zone the zone the VMs run in
 * @param extraEnvironment more environment variables for every VM
 * @param gatewayJar the Docker gateway's runnable jar, pushed with its Dockerfile to each VM
 * @param endpointScheme how the VM's vhost is reached: https on Clever Cloud (http only for simulators)
 * @param repositoryTimeout how long the deployment repository may take to be ready
 * @param bootTimeout how long the VM may take to come UP and answer
 * @param pollInterval how often states are polled
 * @param prices price per hour by flavor, for the cost line and admission
 * @param currency the prices' currency
 * @param gitUser the user for pushing to https deployment repositories (clever-tools pushes as {@code token})
 * @param gitPassword the password for those pushes (clever-tools uses the OAuth secret), or null
 */
public record ProvisionerSettings(
        String organisation,
        String flavorContext,
        String namePrefix,
        String defaultFlavor,
        String maxFlavor,
        String zone,
        Map<String, String> extraEnvironment,
        Path gatewayJar,
        String endpointScheme,
        Duration repositoryTimeout,
        Duration bootTimeout,
        Duration pollInterval,
        Map<String, Double> prices,
        String currency,
        String gitUser,
        org.cleverrunner.spi.Secret gitPassword) {

    /** Clever Cloud's runner flavors, smallest first. */
    public static final List<String> FLAVOR_ORDER = List.of("XS", "S", "M", "L", "XL", "2XL", "3XL", "4XL");

    public ProvisionerSettings {
        Objects.requireNonNull(organisation, "organisation");
        flavorContext = blank(flavorContext) ? "heptapod-runner" : flavorContext;
        namePrefix = blank(namePrefix) ? "clever-runner" : namePrefix;
        if (!namePrefix.matches("[a-z][a-z0-9-]{0,30}")) {
            throw new IllegalArgumentException("name prefix must be lower-case letters, digits and '-', got '"
                    + namePrefix + "'");
        }
        defaultFlavor = blank(defaultFlavor) ? "M" : defaultFlavor.toUpperCase(java.util.Locale.ROOT);
        maxFlavor = blank(maxFlavor) ? null : maxFlavor.toUpperCase(java.util.Locale.ROOT);
        zone = blank(zone) ? "par" : zone;
        extraEnvironment = Map.copyOf(extraEnvironment == null ? Map.of() : extraEnvironment);
        endpointScheme = blank(endpointScheme) ? "https" : endpointScheme;
        repositoryTimeout = repositoryTimeout == null ? Duration.ofSeconds(60) : repositoryTimeout;
        bootTimeout = bootTimeout == null ? Duration.ofMinutes(10) : bootTimeout;
        pollInterval = pollInterval == null ? Duration.ofSeconds(2) : pollInterval;
        prices = Map.copyOf(prices == null ? Map.of() : prices);
        currency = blank(currency) ? "EUR" : currency;
        gitUser = blank(gitUser) ? "token" : gitUser;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
