package dev.fanout;

import dev.fanout.FetchException.Kind;
import dev.fanout.testing.Closer;
import dev.fanout.testing.FaultServer;
import dev.fanout.testing.FaultServer.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Rate limits, cool-down, the retry budget under an outage, the batch deadline and backpressure, against real sockets. */
class ResilienceTest {

    @RegisterExtension
    final Closer closer = new Closer();

    private FaultServer server() {
        FaultServer s = new FaultServer().start();
        closer.add(s);
        return s;
    }

    private FetchClient client(Function<FetchClient.Builder, FetchClient.Builder> config) {
        FetchClient c = config.apply(FetchClient.builder()).build();
        closer.add(c);
        return c;
    }

    private static List<String> urls(FaultServer server, Fault fault, int n, String prefix, Object... args) {
        return IntStream.range(0, n).mapToObj(i -> {
            Object[] segments = new Object[args.length + 1];
            System.arraycopy(args, 0, segments, 0, args.length);
            segments[args.length] = prefix + i;
            return server.url(fault, segments);
        }).collect(Collectors.toList());
    }

    /**
     * Warms the servers and the client up (class loading, JIT, first connections) and clears the
     * servers' counters: a cold server timestamps its first requests late, in a bunch, which would
     * measure the JVM starting rather than the limiter.
     */
    private static void warmUp(FetchClient client, FaultServer... servers) {
        List<String> urls = new ArrayList<>();
        for (FaultServer s : servers) {
            urls.addAll(urls(s, Fault.OK, 5, "warm"));
        }
        client.fetchAll(urls).block(Duration.ofSeconds(30));
        for (FaultServer s : servers) {
            s.reset();
        }
    }

    /** The most arrivals within any one-second window (closed at both ends, the strict reading). */
    static int maxInAnySecond(long[] arrivals) {
        int max = 0;
        int lo = 0;
        for (int hi = 0; hi < arrivals.length; hi++) {
            while (arrivals[hi] - arrivals[lo] > 1_000_000_000L) {
                lo++;
            }
            max = Math.max(max, hi - lo + 1);
        }
        return max;
    }

    @Test
    void theGlobalRateHoldsAtTheServerWithBurstOne() {
        FaultServer server = server();
        FetchClient client = client(b -> b.rateLimit(20).concurrency(64));
        warmUp(client, server);
        List<FetchResult> results = client.fetchAll(urls(server, Fault.OK, 50, "r")).block(Duration.ofSeconds(30));

        assertThat(results).allSatisfy(r -> assertThat(r.isSuccess()).as(r.toString()).isTrue());
        long[] arrivals = server.arrivals();
        assertThat(arrivals).hasSize(50);
        assertThat(maxInAnySecond(arrivals)).isLessThanOrEqualTo(21);
    }

    @Test
    void perHostRatesHoldForEachHostAndDoNotHoldUpOtherHosts() {
        FaultServer a = server();
        FaultServer b = server();
        FetchClient client = client(c -> c.rateLimitPerHost(10).concurrency(64));
        warmUp(client, a, b);
        List<String> urls = new ArrayList<>(urls(a, Fault.OK, 25, "a"));
        urls.addAll(urls(b, Fault.OK, 25, "b"));
        List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(30));

        assertThat(results).allSatisfy(r -> assertThat(r.isSuccess()).as(r.toString()).isTrue());
        assertThat(maxInAnySecond(a.arrivals())).isLessThanOrEqualTo(11);
        assertThat(maxInAnySecond(b.arrivals())).isLessThanOrEqualTo(11);
        // both hosts flowed side by side: b's first request did not wait for a's 25
        assertThat(b.arrivals()[0] - a.arrivals()[0]).isLessThan(1_000_000_000L);
    }

    @Test
    void retriesGoBackThroughTheRateLimit() {
        FaultServer server = server();
        FetchClient client = client(c -> c.rateLimit(5).retry(RetryPolicy.backoff(3, Duration.ofMillis(1)).jitter(0)));
        warmUp(client, server);
        FetchResult r = client.fetch(server.url(Fault.STATUS_THEN_OK, 503, 2, "rl")).block(Duration.ofSeconds(10));
        assertThat(r.isSuccess()).as(r.toString()).isTrue();
        assertThat(r.attempts()).isEqualTo(3);
        long[] arrivals = server.arrivals();
        assertThat(arrivals).hasSize(3);
        for (int i = 1; i < 3; i++) {
            // a 1 ms backoff, but 5/s: each retry waited for its token (a little slack for the clock's milliseconds)
            assertThat(arrivals[i] - arrivals[i - 1]).isGreaterThan(180_000_000L);
        }
    }

    @Test
    void aCallersOnErrorContinueDoesNotSwallowAStatusRetry() {
        FaultServer server = server();
        FetchClient client = client(c -> c.retry(RetryPolicy.backoff(3, Duration.ofMillis(1)).jitter(0)));
        List<Throwable> continued = new java.util.concurrent.CopyOnWriteArrayList<>();
        // onErrorContinue reaches upstream operators through the Context; the status check must not obey it
        FetchResult r = client.fetch(server.url(Fault.STATUS_THEN_OK, 503, 2, "oec"))
                .onErrorContinue((error, value) -> continued.add(error))
                .block(Duration.ofSeconds(10));
        assertThat(r).isNotNull();
        assertThat(r.isSuccess()).as(r.toString()).isTrue();
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(continued).isEmpty();
    }

    @Test
    void a429WithRetryAfterPausesTheHostButNotOthers() {
        FaultServer limited = server();
        FaultServer other = server();
        FetchClient client = client(c -> c.concurrency(8));
        FetchResult first = client.fetch(FetchRequest.get(limited.url(Fault.RETRY_AFTER_SECONDS, 429, 1, 1, "x"))
                .retry(RetryPolicy.none())).block(Duration.ofSeconds(10));
        assertThat(first.status()).isEqualTo(429);
        long stamp = limited.arrivals()[0];

        List<String> urls = new ArrayList<>(urls(limited, Fault.OK, 4, "l"));
        urls.addAll(urls(other, Fault.OK, 4, "o"));
        List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(10));

        assertThat(results).allSatisfy(r -> assertThat(r.isSuccess()).as(r.toString()).isTrue());
        long[] limitedArrivals = limited.arrivals();
        for (int i = 1; i < limitedArrivals.length; i++) {
            assertThat(limitedArrivals[i] - stamp).as("paused until Retry-After").isGreaterThan(900_000_000L);
        }
        assertThat(other.arrivals()[0] - stamp).as("the other host kept flowing").isLessThan(900_000_000L);
    }

    @Test
    void aTotalOutageStaysWithinTheRetryBudget() {
        FaultServer server = server();
        FetchClient client = client(c -> c.concurrency(32)
                .retry(RetryPolicy.backoff(5, Duration.ofMillis(5)).jitter(0)));
        int n = 400;
        long start = System.nanoTime();
        List<FetchResult> results = client.fetchAll(urls(server, Fault.STATUS, n, "o", 503))
                .block(Duration.ofSeconds(60));
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(results).hasSize(n).allSatisfy(r -> {
            assertThat(r.kind()).isEqualTo(Kind.HTTP_STATUS);
            assertThat(r.status()).isEqualTo(503);
        });
        int sent = server.totalHits();
        // 20 % of the inputs, plus the floor: 10 banked at the start and 10 per second since
        assertThat(sent).isLessThanOrEqualTo((int) (1.2 * n + 10 + 10 * Math.ceil(seconds)));
        assertThat(sent).isGreaterThan(n); // some retries did happen
        assertThat(results.stream().mapToInt(FetchResult::attempts).sum()).isEqualTo(sent);
    }

    @Test
    void theDeadlineEndsEverythingUnfinishedAsDeadlineAndTheListIsComplete() {
        FaultServer server = server();
        FetchClient client = client(c -> c.concurrency(4).responseTimeout(Duration.ofSeconds(30)));
        warmUp(client, server); // the three quick ones must finish inside the deadline even on a busy machine
        List<String> urls = new ArrayList<>(urls(server, Fault.OK, 3, "ok"));
        urls.addAll(urls(server, Fault.STALL_HEADERS, 20, "stall"));
        urls.addAll(urls(server, Fault.OK, 3, "late"));

        List<FetchResult> results = client.fetchAll(urls, Duration.ofSeconds(1)).block(Duration.ofSeconds(10));

        assertThat(results).hasSize(26);
        for (int i = 0; i < 26; i++) {
            assertThat(results.get(i).index()).isEqualTo(i);
        }
        assertThat(results.subList(0, 3)).allSatisfy(r -> assertThat(r.isSuccess()).isTrue());
        assertThat(results.subList(3, 26)).allSatisfy(r -> assertThat(r.kind()).isEqualTo(Kind.DEADLINE));
        // only the stalled ones that held a slot were ever sent; the rest completed without sending
        assertThat(server.totalHits()).isLessThanOrEqualTo(3 + 4);
        assertThat(results.get(3).attempts()).isEqualTo(1);
        assertThat(results.get(3).attemptKinds()).containsExactly(Kind.DEADLINE);
        assertThat(results.get(25).attempts()).isZero();
    }

    @Test
    void theBuilderDeadlineAppliesToStreamsAndDrainsAFinitePublisher() {
        FaultServer server = server();
        FetchClient client = client(c -> c.concurrency(2).batchDeadline(Duration.ofMillis(300))
                .responseTimeout(Duration.ofSeconds(30)));
        Flux<FetchRequest> requests = Flux.fromIterable(urls(server, Fault.STALL_HEADERS, 10, "s"))
                .map(FetchRequest::get);
        Map<Kind, Long> kinds = client.fetchAsCompleted(requests).collectList().block(Duration.ofSeconds(10))
                .stream().collect(Collectors.groupingBy(FetchResult::kind, Collectors.counting()));
        assertThat(kinds).isEqualTo(Map.of(Kind.DEADLINE, 10L));
    }

    @Test
    void aSlowConsumerStopsNewRequests() {
        FaultServer server = server();
        FetchClient client = client(c -> c.concurrency(8));
        List<String> urls = urls(server, Fault.OK, 200, "bp");
        StepVerifier.create(client.fetchAsCompleted(urls), 0)
                .thenRequest(5)
                .expectNextCount(5)
                .thenAwait(Duration.ofMillis(500))
                .then(() -> assertThat(server.totalHits()).as("5 taken + 8 in flight or buffered")
                        .isLessThanOrEqualTo(5 + 8))
                .thenRequest(10)
                .expectNextCount(10)
                .thenAwait(Duration.ofMillis(300))
                .then(() -> assertThat(server.totalHits()).isLessThanOrEqualTo(15 + 8))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(server.maxInFlight()).isLessThanOrEqualTo(8);
    }
}
