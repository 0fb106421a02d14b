package org.cleverrunner.clevercloud.provisioner;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cleverrunner.clevercloud.CleverCloudAuthentication;
import org.cleverrunner.clevercloud.CleverCloudClient;
import org.cleverrunner.clevercloud.GitCredentials;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.RunnerSpiException;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.spi.VmBackend;
import org.cleverrunner.spi.VmBackendFactory;

/**
 * The {@code clever-cloud} VM backend, found by ServiceLoader; the engine runs it under the host lifecycle, whose
 * keys ({@code name-prefix}, {@code boot-timeout}, {@code poll-interval}) share its table. Settings
 * ({@code [runners.provisioners.clever-cloud]}):
 * {@code organisation} (required), credentials as {@code api-token}, or {@code token} + {@code secret} (OAuth1, as
 * clever-tools), or {@code token-scheme} (the previous runner's {@code Authorization: token}); else clever-tools'
 * own login; {@code api-url}, {@code flavor-context}, {@code default-flavor},
 * {@code max-flavor}, {@code zone}, {@code gateway-jar}, {@code endpoint-scheme},
 * {@code repository-timeout}, {@code poll-interval}, {@code price.<FLAVOR>} (per hour), {@code currency},
 * {@code env.<NAME>} (extra VM environment), {@code instance-variant} (a UUID; the Heptapod Runner variant by
 * default), {@code git-user} and {@code git-password} (pushes to the deployment repositories; by default the OAuth
 * token and secret, as clever-tools pushes).
 */
public final class CleverCloudBackendFactory implements VmBackendFactory {

    @Override
    public String id() {
        return "clever-cloud";
    }

    @Override
    public String description() {
        return "a Clever Cloud VM created for each job, sized by CI_CLEVER_CLOUD_FLAVOR, deleted when it ends";
    }

    /** Every key this backend reads, and the lifecycle's poll-interval it shares; {@code price.*} and {@code env.*} too. */
    static final java.util.Set<String> KEYS = java.util.Set.of("organisation", "api-token", "token", "secret",
            "token-scheme", "consumer-key", "consumer-secret", "api-url", "flavor-context", "default-flavor",
            "max-flavor", "zone", "gateway-jar", "endpoint-scheme", "repository-timeout", "poll-interval", "currency",
            "instance-variant", "git-user", "git-password");

    @Override
    public java.util.List<String> validate(ProviderSettings settings) {
        java.util.List<String> problems = new java.util.ArrayList<>(settings.unknownKeys(KEYS,
                java.util.Set.of("price.", "env.")));
        // a missing organisation is said when the runner starts it: register writes the table before it is filled
        settings.values().forEach((key, value) -> {
            if (key.startsWith("price.")) {
                try {
                    Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    problems.add(settings.prefix() + "." + key + ": must be a number (per hour), got '" + value + "'");
                }
            }
        });
        for (String key : new String[] {"repository-timeout", "poll-interval"}) {
            try {
                settings.getDuration(key);
            } catch (RunnerSpiException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    @Override
    public VmBackend create(ProviderSettings settings) {
        CleverCloudAuthentication authentication = authentication(settings);
        CleverCloudClient.Builder client = CleverCloudClient.builder().authentication(authentication);
        settings.get("api-url").ifPresent(client::apiUrl);
        Map<String, Double> prices = new LinkedHashMap<>();
        Map<String, String> env = new LinkedHashMap<>();
        settings.values().forEach((key, value) -> {
            if (key.startsWith("price.")) {
                try {
                    prices.put(key.substring(6).toUpperCase(java.util.Locale.ROOT), Double.valueOf(value));
                } catch (NumberFormatException e) {
                    throw new RunnerSpiException("setting '" + settings.prefix() + "." + key
                            + "' must be a number, got '" + value + "'");
                }
            } else if (key.startsWith("env.")) {
                env.put(key.substring(4), value);
            }
        });
        ProvisionerSettings provisioner = new ProvisionerSettings(settings.require("organisation"),
                settings.get("flavor-context").orElse(null),
                settings.get("default-flavor").orElse(null), settings.get("max-flavor").orElse(null),
                settings.get("zone").orElse(null), env, settings.get("gateway-jar").map(Path::of).orElse(null),
                settings.get("endpoint-scheme").orElse(null), settings.getDuration("repository-timeout").orElse(null),
                settings.getDuration("poll-interval").orElse(null),
                prices, settings.get("currency").orElse(null), push(settings, authentication),
                settings.get("instance-variant").orElse(null));
        return new CleverCloudBackend(client.build(), provisioner);
    }

    /**
     * {@code git-user} and {@code git-password} when set, else what the API credentials give (OAuth1's token and
     * secret, as clever-tools pushes); an API token gives none, and a provisioner that cannot push is refused here
     * rather than at every job's VM.
     */
    private static GitCredentials push(ProviderSettings settings, CleverCloudAuthentication authentication) {
        if (settings.get("git-password").isPresent()) {
            return new GitCredentials(settings.get("git-user").orElse("token"),
                    Secret.of(settings.require("git-password")));
        }
        if (settings.get("git-user").isPresent()) {
            throw new RunnerSpiException("setting '" + settings.prefix() + ".git-user' needs '" + settings.prefix()
                    + ".git-password'");
        }
        return authentication.gitCredentials().orElseThrow(() -> new RunnerSpiException("the " 
                + authentication.describe() + " of '" + settings.prefix() + "' gives no credentials for the git"
                + " pushes to the VMs' deployment repositories: set git-user and git-password, or use token and"
                + " secret (clever-tools' OAuth credentials)"));
    }

    private static CleverCloudAuthentication authentication(ProviderSettings settings) {
        if (settings.get("api-token").isPresent()) {
            return CleverCloudAuthentication.apiToken(Secret.of(settings.require("api-token")));
        }
        if (settings.get("token-scheme").isPresent()) {
            return CleverCloudAuthentication.tokenScheme(Secret.of(settings.require("token-scheme")));
        }
        if (settings.get("token").isPresent()) {
            return CleverCloudAuthentication.oauth1HmacSha512(
                    settings.get("consumer-key").orElse(CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_KEY),
                    Secret.of(settings.get("consumer-secret")
                            .orElse(CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_SECRET)),
                    Secret.of(settings.require("token")), Secret.of(settings.require("secret")));
        }
        return CleverCloudAuthentication.fromCleverTools();
    }
}
