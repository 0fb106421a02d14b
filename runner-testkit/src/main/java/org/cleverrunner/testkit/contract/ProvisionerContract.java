package org.cleverrunner.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.spi.Provisioner;
import org.cleverrunner.spi.ReapingProvisioner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the engine expects of every {@link Provisioner}. Extend it in a JUnit 5 test and implement {@link
 * #provisioner()}:
 *
 * <pre>{@code
 * class MyProvisionerContractTest extends ProvisionerContract {
 *     @Override
 *     protected Provisioner provisioner() {
 *         return new MyProvisionerFactory().create(ProviderSettings.empty());
 *     }
 * }
 * }</pre>
 *
 * Each test gets a fresh provisioner, closed afterwards, and every host it acquired is released even when the test
 * fails. Tests are public so that a subclass can override one to disable it, saying why. Provisioners that also
 * implement {@link ReapingProvisioner} are checked for {@code leftovers} too.
 */
public abstract class ProvisionerContract {

    /** The schemes the Docker executor can reach. */
    public static final Set<String> SUPPORTED_SCHEMES = Set.of("unix", "tcp", "http", "https");

    private Provisioner provisioner;
    private final List<Host> acquired = new ArrayList<>();

    /** A new provisioner for one test; the kit closes it. */
    protected abstract Provisioner provisioner();

    /** The provisioner under test in the current test. */
    protected final Provisioner current() {
        return provisioner;
    }

    /** The request the kit sends for a job; override to add a flavor or labels your provisioner needs. */
    protected HostRequest request(long jobId) {
        return new HostRequest("contract", jobId, null, Map.of("org.cleverrunner.contract", "true"));
    }

    /** How long an interrupted {@code acquire} may take to give up (a VM being created may need deleting). */
    protected Duration interruptionGrace() {
        return Duration.ofSeconds(30);
    }

    @BeforeEach
    public final void openProvisioner() {
        provisioner = provisioner();
        assertThat(provisioner).as("provisioner()").isNotNull();
    }

    @AfterEach
    public final void releaseEverything() {
        List<Host> hosts;
        synchronized (acquired) {
            hosts = List.copyOf(acquired);
            acquired.clear();
        }
        try {
            for (Host host : hosts) {
                try {
                    provisioner.release(host);
                } catch (RuntimeException e) {
                    // best effort: the test itself reports what went wrong
                }
            }
        } finally {
            provisioner.close();
        }
    }

    /** Acquires through the provisioner under test and remembers the host so that it is released after the test. */
    protected final Host acquire(long jobId) throws InterruptedException {
        Host host = provisioner.acquire(request(jobId));
        remember(host);
        return host;
    }

    private void remember(Host host) {
        if (host != null) {
            synchronized (acquired) {
                acquired.add(host);
            }
        }
    }

    @Test
    public void acquireGivesAHostWithAnIdAndAReachableDockerEndpoint() throws InterruptedException {
        Host host = acquire(1);

        assertThat(host).as("acquired host").isNotNull();
        assertThat(host.id()).as("host id").isNotBlank();
        assertThat(host.dockerEndpoint().getScheme()).as("scheme of %s", host.dockerEndpoint())
                .isIn(SUPPORTED_SCHEMES);
    }

    @Test
    public void releaseIsIdempotent() throws InterruptedException {
        Host host = acquire(2);

        assertThatCode(() -> {
            provisioner.release(host);
            provisioner.release(host);
        }).doesNotThrowAnyException();
    }

    @Test
    public void acquiresHostsForTwoJobs() throws InterruptedException {
        Host first = acquire(3);
        Host second = acquire(4);

        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThatCode(() -> {
            provisioner.release(second);
            provisioner.release(first);
        }).doesNotThrowAnyException();
    }

    @Test
    public void releaseAfterCloseDoesNotThrow() throws InterruptedException {
        Host host = acquire(5);

        provisioner.close();

        // a runner shutting down may close the provisioner before a late job gives its host back
        assertThatCode(() -> provisioner.release(host)).doesNotThrowAnyException();
    }

    @Test
    public void acquireOnAnInterruptedThreadReturnsOrThrowsInterrupted() {
        Outcome outcome = acquireInThread(6, true, Duration.ZERO);

        outcome.assertReturnedOrInterrupted();
    }

    @Test
    public void acquireInterruptedWhileWaitingReturnsOrThrowsInterrupted() {
        // a blocking provisioner is interrupted mid-way; a quick one has returned already, which is fine too
        Outcome outcome = acquireInThread(7, false, Duration.ofMillis(200));

        outcome.assertReturnedOrInterrupted();
    }

    /**
     * Runs {@code acquire} in a thread of its own, interrupted before the call ({@code before}) or after
     * {@code delay}, and waits for it within {@link #interruptionGrace()}.
     */
    protected Outcome acquireInThread(long jobId, boolean before, Duration delay) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            if (before) {
                Thread.currentThread().interrupt();
            }
            try {
                Host host = provisioner.acquire(request(jobId));
                remember(host);
                result.complete(new Outcome(host, null));
            } catch (Throwable t) {
                result.complete(new Outcome(null, t));
            }
        }, "contract-acquire-" + jobId);
        thread.setDaemon(true);
        thread.start();
        try {
            if (!before) {
                thread.join(delay.toMillis());
                thread.interrupt();
            }
            return result.get(interruptionGrace().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("the test thread was interrupted", e);
        } catch (java.util.concurrent.TimeoutException e) {
            thread.interrupt();
            return fail("an interrupted acquire did not return within " + interruptionGrace());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }

    /** What an acquire in another thread ended with: a host, or what it threw. */
    protected record Outcome(Host host, Throwable thrown) {

        void assertReturnedOrInterrupted() {
            if (thrown != null) {
                assertThat(thrown).as("what an interrupted acquire threw").isInstanceOf(InterruptedException.class);
            } else {
                assertThat(host).as("host returned by an interrupted acquire").isNotNull();
            }
        }
    }
}
