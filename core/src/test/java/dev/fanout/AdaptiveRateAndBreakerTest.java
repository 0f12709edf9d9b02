package dev.fanout;

import dev.fanout.FetchException.Kind;
import dev.fanout.testing.Closer;
import dev.fanout.testing.FaultServer;
import dev.fanout.testing.FaultServer.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The adaptive rate settling under a server that allows N requests a second, and the circuit breaker, end to end. */
class AdaptiveRateAndBreakerTest {

    @RegisterExtension
    final Closer closer = new Closer();

    private int refusalsFor(boolean adaptive, int n, FaultServer server) {
        server.reset();
        FetchClient client = FetchClient.builder()
                .concurrency(16)
                .adaptiveRate(adaptive)
                .retry(RetryPolicy.backoff(30, Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(400)))
                .retryBudget(1.0, 1000)
                .build();
        closer.add(client);
        List<String> urls = IntStream.range(0, n).mapToObj(i -> server.url(Fault.LIMITED, 10, 0, adaptive + "-" + i))
                .collect(Collectors.toList());
        List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(60));
        assertThat(results).hasSize(n);
        if (adaptive) {
            // settled at what the server allows: every request got through within its attempts
            assertThat(results).allSatisfy(r -> assertThat(r.isSuccess()).as(r.toString()).isTrue());
        }
        // without the adaptive rate, an unlucky request may spend all 30 attempts on 429s: only refusals are compared
        return server.refused();
    }

    @Test
    void theRateSettlesAtWhatTheServerAllows() throws Exception {
        FaultServer server = new FaultServer().start();
        closer.add(server);
        int n = 50;
        int adaptive = refusalsFor(true, n, server);
        Thread.sleep(1100); // let the server's window empty
        int fixed = refusalsFor(false, n, server);
        System.out.printf("server allowing 10/s, %d requests at concurrency 16: %d refusals with adaptive rate, %d without%n",
                n, adaptive, fixed);
        assertThat(adaptive).isLessThan(fixed);
        assertThat(adaptive).isLessThanOrEqualTo(n);
    }

    @Test
    void theBreakerFailsAHostFastAfterConsecutiveFailuresAndAProbeClosesIt() {
        FaultServer server = new FaultServer().start();
        closer.add(server);
        VirtualTimeScheduler clock = VirtualTimeScheduler.create(); // the breaker's cool-off is on the timer's clock
        FetchClient client = FetchClient.builder().timer(clock).retry(RetryPolicy.none())
                .circuitBreaker(3, Duration.ofSeconds(10)).build();
        closer.add(client);

        for (int i = 0; i < 3; i++) {
            FetchResult r = client.fetch(server.url(Fault.CLOSE_AFTER_REQUEST, i)).block(Duration.ofSeconds(10));
            assertThat(r.kind()).isEqualTo(Kind.CONNECTION_CLOSED);
            assertThat(r.attempts()).isEqualTo(1);
        }
        int sent = server.totalHits();
        FetchResult fast = client.fetch(server.url(Fault.OK, "during")).block(Duration.ofSeconds(10));
        assertThat(fast.kind()).isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(fast.attempts()).isZero();
        assertThat(fast.error().orElseThrow().getMessage()).contains("circuit open");
        assertThat(server.totalHits()).isEqualTo(sent);

        clock.advanceTimeBy(Duration.ofSeconds(10));
        FetchResult probe = client.fetch(server.url(Fault.OK, "probe")).block(Duration.ofSeconds(10));
        assertThat(probe.isSuccess()).as(probe.toString()).isTrue();
        FetchResult after = client.fetch(server.url(Fault.OK, "after")).block(Duration.ofSeconds(10));
        assertThat(after.isSuccess()).as(after.toString()).isTrue();
    }
}
