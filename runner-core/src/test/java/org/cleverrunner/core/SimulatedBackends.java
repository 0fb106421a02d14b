package org.cleverrunner.core;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.cleverrunner.spi.Executor;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Provisioner;

/**
 * A provisioner and an executor that do no real work but behave like real ones: hosts are counted, and jobs
 * "run" their script lines: {@code echo TEXT} prints, {@code sleep MILLIS} waits (cancelable), {@code exit N} fails,
 * {@code boom} throws, {@code save KEY TEXT} and {@code restore KEY} use the job's cache store. For engine tests and benchmarks where Docker is not the subject.
 */
final class SimulatedBackends {

    final AtomicInteger hostsOut = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final Map<Long, JobOutcome> outcomes = new ConcurrentHashMap<>();
    final Map<Long, JobPlan> plans = new ConcurrentHashMap<>();

    final Provisioner provisioner = new Provisioner() {
        @Override
        public Host acquire(HostRequest request) {
            hostsOut.incrementAndGet();
            return new Host("sim-" + request.jobId(), URI.create("unix:///simulated.sock"), null, request.flavor(),
                    Map.of());
        }

        @Override
        public void release(Host host) {
            hostsOut.decrementAndGet();
        }
    };

    final Executor executor = new Executor() {
        @Override
        public JobOutcome run(JobPlan plan, Host host, JobContext context) throws InterruptedException {
            plans.put(plan.jobId(), plan);
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            try {
                JobOutcome outcome = script(plan, context);
                outcomes.put(plan.jobId(), outcome);
                return outcome;
            } finally {
                running.decrementAndGet();
            }
        }
    };

    private static JobOutcome script(JobPlan plan, JobContext context) throws InterruptedException {
        context.trace().sectionStart("step_script", "Executing \"step_script\" stage of the job script");
        for (String line : plan.script()) {
            if (context.control().stopRequested()) {
                return JobOutcome.canceled("canceled");
            }
            context.trace().line("$ " + line);
            if (line.startsWith("echo ")) {
                byte[] text = (line.substring(5) + "\n").getBytes(StandardCharsets.UTF_8);
                context.trace().write(text, 0, text.length);
            } else if (line.startsWith("env ")) {
                // the plan's value of a variable, as the job's shell would see it
                String name = line.substring(4);
                String value = plan.variables().stream().filter(v -> v.key().equals(name)).reduce((a, b) -> b)
                        .map(JobPlan.Variable::value).orElse("");
                byte[] text = (name + "=" + value + "\n").getBytes(StandardCharsets.UTF_8);
                context.trace().write(text, 0, text.length);
            } else if (line.startsWith("sleep ")) {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Long.parseLong(line.substring(6)));
                while (System.nanoTime() < until) {
                    if (context.control().stopRequested()) {
                        if (context.control().state() == JobControl.State.CANCEL_REQUESTED) {
                            context.trace().line("after_script on cancel");
                        }
                        return JobOutcome.canceled("canceled");
                    }
                    Thread.sleep(5);
                }
            } else if (line.startsWith("exit ")) {
                return JobOutcome.failed(JobOutcome.FailureKind.SCRIPT_FAILURE, Integer.parseInt(line.substring(5)),
                        "exit code " + line.substring(5));
            } else if (line.startsWith("save ")) {
                String[] words = line.split(" ", 3);
                byte[] archive = words[2].getBytes(StandardCharsets.UTF_8);
                try {
                    context.cache().save(words[1], new java.io.ByteArrayInputStream(archive), archive.length);
                    context.trace().line("saved " + words[1]);
                } catch (java.io.IOException | RuntimeException e) {
                    context.trace().line("cannot save " + words[1] + ": " + e.getMessage());
                }
            } else if (line.startsWith("restore ")) {
                String key = line.substring(8);
                try {
                    var archive = context.cache().open(key);
                    if (archive.isEmpty()) {
                        context.trace().line("no cache " + key);
                    } else {
                        try (var in = archive.get()) {
                            context.trace().line("restored " + key + ": "
                                    + new String(in.readAllBytes(), StandardCharsets.UTF_8));
                        }
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    context.trace().line("cannot restore " + key + ": " + e.getMessage());
                }
            } else if (line.equals("boom")) {
                throw new IllegalStateException("simulated executor bug");
            }
        }
        context.trace().sectionEnd("step_script");
        return JobOutcome.success();
    }
}
