package org.cleverrunner.core.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.cleverrunner.http.RetryPolicy;
import org.cleverrunner.http.Sleeper;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostProvisioningException;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.spi.ReapingProvisioner;
import org.cleverrunner.spi.VmStatus;
import org.junit.jupiter.api.Test;

/**
 * The host lifecycle over a cloud in memory, in virtual time: names, token, readiness within one deadline,
 * retries with the shared backoff, and deletion whenever provisioning does not end with a host.
 */
class HostLifecycleTest {

    /** A clock that moves only when the lifecycle waits. */
    static final class VirtualTime extends Clock implements Sleeper {
        Instant now = Instant.parse("2026-12-02T12:00:00Z");
        final List<Duration> waits = new ArrayList<>();
        volatile int interruptAtWait = -1;

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            if (waits.size() == interruptAtWait || Thread.interrupted()) {
                throw new InterruptedException("the job was canceled");
            }
            waits.add(duration);
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    final InMemoryBackend backend = new InMemoryBackend();
    final VirtualTime time = new VirtualTime();
    final List<URI> probed = new ArrayList<>();
    final AtomicInteger probeRefusals = new AtomicInteger(1);

    HostLifecycle lifecycle() {
        return lifecycle(HostLifecycle.Settings.defaults());
    }

    HostLifecycle lifecycle(HostLifecycle.Settings base) {
        return new HostLifecycle(backend, base.withNamePrefix("cr").withBootTimeout(Duration.ofMinutes(2))
                .withPollInterval(Duration.ofSeconds(2)).withTime(time, time)
                .withRetries(new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofSeconds(4), 2.0),
                        new RetryPolicy(4, Duration.ofSeconds(1), Duration.ofSeconds(8), 2.0))
                .withProbe((endpoint, token) -> {
                    probed.add(endpoint);
                    assertThat(token.reveal()).isEqualTo(backend.tokens.values().iterator().next());
                    return probeRefusals.getAndDecrement() > 0 ? "HTTP 502" : null;
                }));
    }

    @Test
    void aHostIsTheNamedVmOnceItRunsAndItsEndpointAnswersWithTheFreshToken() throws Exception {
        Host host = lifecycle().acquire(new HostRequest("abc123", 42, "xl", Map.of("project", "7")));

        assertThat(host.id()).isEqualTo("vm-1");
        assertThat(host.flavor()).isEqualTo("XL");
        assertThat(host.dockerEndpoint()).isEqualTo(URI.create("http://vm-1.test:8080"));
        assertThat(host.accessToken().reveal()).isEqualTo(backend.tokens.get("vm-1")).hasSizeGreaterThan(40);
        assertThat(host.toString()).doesNotContain(host.accessToken().reveal());
        assertThat(host.attributes()).containsEntry(HostLifecycle.VM_NAME, "cr-abc123-42").containsEntry("zone",
                "test");
        assertThat(backend.calls).containsExactly("create cr-abc123-42 XL", "status cr-abc123-42",
                "status cr-abc123-42", "status cr-abc123-42");
        // two boot polls and one refused probe, each followed by one poll interval
        assertThat(time.waits).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThat(probed).hasSize(2);
    }

    @Test
    void anUnknownFlavorIsRefusedListingTheValidOnesBeforeAnythingIsCreated() {
        assertThatThrownBy(() -> lifecycle().acquire(new HostRequest("abc123", 1, "HUGE\u0007", Map.of())))
                .isInstanceOf(HostProvisioningException.class)
                .hasMessage("CI_CLEVER_CLOUD_FLAVOR 'HUGE?' is not a flavor this runner offers; valid choices: S, M, XL");
        assertThat(backend.calls).isEmpty();
        assertThat(HostLifecycle.printable("XL\u0007\n../../etc")).isEqualTo("XL??../../etc");
        assertThat(HostLifecycle.printable("A".repeat(500))).hasSize(21);
    }

    @Test
    void transientCreationFailuresAreRetriedWithTheBackoffAndFindTheHalfMadeVmByName() throws Exception {
        backend.createFailures.add(new IllegalStateException("HTTP 503"));
        backend.createFailures.add(new IllegalStateException("connection reset"));

        Host host = lifecycle().acquire(new HostRequest("abc123", 43, null, Map.of()));

        assertThat(backend.vms).containsOnlyKeys(host.id());
        assertThat(backend.calls.stream().filter(c -> c.startsWith("create")).toList()).hasSize(3);
        assertThat(time.waits.subList(0, 2)).satisfiesExactly(
                first -> assertThat(first).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1)),
                second -> assertThat(second).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2)));
    }

    @Test
    void aFinalCreationFailureIsNotRetriedAndWhatTheCloudMadeIsDeleted() {
        backend.createFailures.add(new HostProvisioningException("the flavor is not offered in this zone"));

        assertThatThrownBy(() -> lifecycle().acquire(new HostRequest("abc123", 44, "S", Map.of())))
                .isInstanceOf(HostProvisioningException.class).hasMessage("the flavor is not offered in this zone");

        assertThat(backend.calls).containsExactly("create cr-abc123-44 S", "list cr-abc123-44", "delete vm-1");
        assertThat(backend.vms).isEmpty();
    }

    @Test
    void aVmThatFailsOrNeverRunsOrNeverAnswersIsDeletedWithTheReason() {
        backend.endState = VmStatus.State.FAILED;
        assertThatThrownBy(() -> lifecycle().acquire(new HostRequest("abc123", 45, null, Map.of())))
                .hasMessage("the VM cr-abc123-45 failed to start: deployment failed");
        assertThat(backend.vms).isEmpty();

        backend.endState = VmStatus.State.RUNNING;
        backend.bootPolls = 1000;
        assertThatThrownBy(() -> lifecycle().acquire(new HostRequest("abc123", 46, null, Map.of())))
                .hasMessageStartingWith("the VM cr-abc123-46 was not running within 2m (boot poll ");
        assertThat(backend.vms).isEmpty();

        backend.bootPolls = 0;
        probeRefusals.set(1000);
        assertThatThrownBy(() -> lifecycle().acquire(new HostRequest("abc123", 47, null, Map.of())))
                .hasMessageStartingWith("the Docker endpoint of cr-abc123-47 did not answer within 2m (HTTP 502)");
        assertThat(backend.vms).isEmpty();
        assertThat(time.now).as("one deadline for all of it").isBefore(Instant.parse("2026-12-02T12:07:00Z"));
    }

    @Test
    void aJobCanceledWhileItsVmBootsDeletesTheVmAndKeepsTheInterrupt() {
        time.interruptAtWait = 1;

        assertThatThrownBy(() -> lifecycle().acquire(new HostRequest("abc123", 48, null, Map.of())))
                .isInstanceOf(InterruptedException.class);

        assertThat(backend.vms).isEmpty();
        assertThat(backend.calls).endsWith("delete vm-1");
    }

    @Test
    void releaseRetriesTheDeletionThenSaysItGaveUp() throws Exception {
        HostLifecycle lifecycle = lifecycle();
        Host host = lifecycle.acquire(new HostRequest("abc123", 49, null, Map.of()));
        time.waits.clear();
        backend.deleteFailures.add(new IllegalStateException("HTTP 500"));
        backend.deleteFailures.add(new IllegalStateException("HTTP 500"));

        lifecycle.release(host);

        assertThat(backend.vms).isEmpty();
        assertThat(time.waits).hasSize(2);
        lifecycle.release(host); // already gone: fine

        Host other = lifecycle.acquire(new HostRequest("abc123", 50, null, Map.of()));
        for (int i = 0; i < 4; i++) {
            backend.deleteFailures.add(new IllegalStateException("HTTP 500 #" + i));
        }
        assertThatThrownBy(() -> lifecycle.release(other)).isInstanceOf(HostProvisioningException.class)
                .hasMessage("the VM cr-abc123-50 could not be deleted: HTTP 500 #3");
    }

    @Test
    void leftoversAreThisRunnersVmsWithTheirJob() throws Exception {
        HostLifecycle lifecycle = lifecycle();
        lifecycle.acquire(new HostRequest("abc123", 51, null, Map.of()));
        lifecycle.acquire(new HostRequest("abc1234", 52, null, Map.of()));

        List<Host> leftovers = lifecycle.leftovers("abc123");

        assertThat(leftovers).singleElement().satisfies(host -> {
            assertThat(host.attributes()).containsEntry(ReapingProvisioner.JOB_ATTRIBUTE, "51")
                    .containsEntry(HostLifecycle.VM_NAME, "cr-abc123-51");
            assertThat(host.accessToken()).isNull();
        });
    }

    @Test
    void settingsThatCannotHoldAreRefused() {
        assertThatThrownBy(() -> HostLifecycle.Settings.defaults().withNamePrefix("../Evil"))
                .hasMessageContaining("name prefix must be lower-case letters, digits and '-'");
        assertThatThrownBy(() -> HostLifecycle.Settings.defaults().withBootTimeout(Duration.ZERO))
                .hasMessage("bootTimeout must be positive, got PT0S");
        assertThatThrownBy(() -> Provisioners.lifecycle(new org.cleverrunner.spi.ProviderSettings("p",
                Map.of("name-prefix", "UPPER")))).hasMessageStartingWith("setting 'p.name-prefix': name prefix must");
    }
}
