package org.cleverrunner.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.cleverrunner.clevercloud.CleverCloudAuthentication;
import org.cleverrunner.core.hosts.Provisioners;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.ReapingProvisioner;
import org.cleverrunner.testkit.clevercloud.CleverCloudSimulator;
import org.cleverrunner.testkit.contract.ReapingProvisionerContract;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provisioner contract (hosts reachable, release idempotent, an interrupted acquire leaves nothing behind,
 * leftovers until released) held by the {@code clever-cloud} provisioner as the engine builds it: the host
 * lifecycle over the Clever Cloud backend, against the simulator over HTTP, whose VMs are gateways on loopback.
 */
class CleverCloudLifecycleContractIT extends ReapingProvisionerContract {

    @TempDir
    Path dir;
    CleverCloudSimulator clever;
    final LoopbackVms vms = new LoopbackVms();

    @Override
    protected ReapingProvisioner provisioner() {
        clever = CleverCloudSimulator.builder().oauth(CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_KEY,
                CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_SECRET, "contract-token", "contract-secret")
                .bootTime(Duration.ofMillis(400)).workDir(dir.resolve("clever")).launcher(vms.launcher()).start();
        try {
            Path jar = Files.writeString(dir.resolve("docker-gateway.jar"), "stands for the gateway jar");
            return (ReapingProvisioner) Provisioners.create("clever-cloud", new ProviderSettings(
                    "runners[0].provisioners.clever-cloud", Map.of("organisation", clever.organisationId(),
                    "api-url", clever.url(), "token", "contract-token", "secret", "contract-secret",
                    "endpoint-scheme", "http", "gateway-jar", jar.toString(), "poll-interval", "100ms",
                    "boot-timeout", "30s")), getClass().getClassLoader());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** After the kit released its hosts (extensions run after every @AfterEach): no application is left. */
    @RegisterExtension
    final AfterEachCallback nothingLeft = context -> {
        try {
            if (clever != null) {
                clever.awaitNoApplications(Duration.ofSeconds(20));
            }
        } finally {
            if (clever != null) {
                clever.close();
            }
            vms.close();
        }
    };
}
