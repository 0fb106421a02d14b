package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.cleverrunner.http.RetryPolicy;
import org.cleverrunner.testkit.Endpoint;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A coordinator that stops answering job requests: one warning, backoff, one line when it is back. */
class RunnerLoopOutageTest {

    static final String TOKEN = "glrt-outagetest0001";

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    Engine engine;
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    Logger logger = (Logger) LoggerFactory.getLogger("org.cleverrunner");

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofMillis(300)).start();
        runner = gitlab.addRunner(TOKEN, Set.of(), true);
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void stop() {
        logger.detachAppender(appender);
        if (engine != null) {
            engine.shutdown();
        }
        gitlab.close();
    }

    AtomicInteger outages = new AtomicInteger();
    AtomicInteger recoveries = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();

    @Test
    void anOutageGivesOneWarningBackoffAndOneLineWhenTheCoordinatorIsBack() throws Exception {
        SimulatedBackends backends = new SimulatedBackends();
        RunnerSettings settings = RunnerSettings.of("test", gitlab.url(), runner.token());
        // Down: first 503s with Retry-After 0 (a restarting GitLab), then dropped connections.
        gitlab.faults().next(Endpoint.JOB_REQUEST, 10).respond(503, java.util.Map.of("Retry-After", "0"))
                .next(Endpoint.JOB_REQUEST, 100_000).dropConnection();
        engine = Engine.builder()
                .settings(new EngineSettings(1, Duration.ofMillis(100), Duration.ofSeconds(5),
                        dir.resolve("journal.json"), List.of(settings)))
                .executor(backends.executor).provisioner(backends.provisioner)
                .coordinatorClients(client -> client.retryPolicy(RetryPolicy.NONE))
                .listener(new EngineListener() {
                    @Override
                    public void coordinatorUnavailable(String runner, String url) {
                        outages.incrementAndGet();
                    }

                    @Override
                    public void coordinatorAvailable(String runner, String url, Duration downtime) {
                        recoveries.incrementAndGet();
                    }

                    @Override
                    public void coordinatorError(String runner, String call) {
                        errors.incrementAndGet();
                    }
                })
                .traceInterval(Duration.ofMillis(200)).version("test").build().start();

        Thread.sleep(6_000);
        int duringOutage = gitlab.requests(Endpoint.JOB_REQUEST).size();
        gitlab.faults().clear();
        JobHandle job = gitlab.enqueue(Jobs.job("after").script("echo back"));
        assertThat(gitlab.awaitJob(job.id(), Duration.ofSeconds(60)).finalState()).isEqualTo(JobState.SUCCESS);

        // a copy under the appender's lock: the engine's threads still log while this reads (AppenderBase.doAppend
        // holds it)
        List<ILoggingEvent> events;
        synchronized (appender) {
            events = new java.util.ArrayList<>(appender.list);
        }
        List<ILoggingEvent> loop = events.stream()
                .filter(e -> e.getLoggerName().equals(RunnerLoop.class.getName())).toList();
        List<String> warnings = loop.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(warnings).as("one warning for the whole outage").hasSize(1);
        assertThat(warnings.get(0)).contains(gitlab.url()).doesNotContain(TOKEN);
        List<String> back = loop.stream().filter(e -> e.getLevel() == Level.INFO)
                .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("back")).toList();
        assertThat(back).hasSize(1);
        assertThat(back.get(0)).contains(gitlab.url()).doesNotContain(TOKEN);
        assertThat(events).noneMatch(e -> e.getFormattedMessage().contains(TOKEN));
        // 6 s at 100 ms check interval, one attempt per call: a tight loop makes 60 calls or more; a backoff
        // doubling from 100 ms (jittered between half and all of it) makes 6 to 9. OkHttp may silently repeat a
        // request whose connection was dropped, so the coordinator may see up to twice as many requests.
        assertThat(errors.get()).as("job requests without an answer").isBetween(4, 10);
        assertThat(duringOutage).isLessThanOrEqualTo(2 * errors.get());
        assertThat(outages).hasValue(1);
        assertThat(recoveries).hasValue(1);
    }
}
