package dev.fanout;

import dev.fanout.FetchException.Kind;
import dev.fanout.testing.TestServer;
import dev.fanout.testing.UnacceptingSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.fanout.testing.PoolAssertions.assertPoolQuiet;
import static org.assertj.core.api.Assertions.assertThat;

/** Every failure is a value with the right kind, and never fails the batch. */
class FailuresTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static FetchResult one(FetchClient client, FetchRequest request) {
        return client.fetch(request).block(Duration.ofSeconds(20));
    }

    @Test
    void refusedConnectionIsConnect() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = one(client, FetchRequest.get("http://127.0.0.1:" + port + "/x"));

            assertThat(r.isSuccess()).isFalse();
            assertThat(r.kind()).isEqualTo(Kind.CONNECT);
            assertThat(r.status()).isZero();
            assertThat(r.error().get().getMessage()).startsWith("CONNECT GET http://127.0.0.1:" + port + "/x: ");
            assertThat(r.error().get().getCause()).isNotNull();
        }
    }

    @Test
    void connectTimeoutWhenTheServerNeverAccepts() throws IOException {
        try (UnacceptingSocket unaccepting = new UnacceptingSocket();
             FetchClient client = FetchClient.builder().connectTimeout(Duration.ofMillis(300)).build()) {
            FetchResult r = one(client, FetchRequest.get(unaccepting.url("/")));

            assertThat(r.kind()).isEqualTo(Kind.CONNECT_TIMEOUT);
            assertThat(r.error().get().getMessage()).endsWith("no connection after 300ms");
            assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void headersThatNeverComeAreResponseTimeout() {
        try (FetchClient client = FetchClient.builder().responseTimeout(Duration.ofMillis(300)).build()) {
            FetchResult r = one(client, FetchRequest.get(server.url("/stall-headers")));

            assertThat(r.kind()).isEqualTo(Kind.RESPONSE_TIMEOUT);
            assertThat(r.error().get().getMessage()).endsWith("no response data for 300ms");
            assertPoolQuiet(client);
        }
    }

    private static void awaitIdleConnection(FetchClient client) {
        Flux.interval(Duration.ofMillis(5)).filter(i -> client.poolStats().idle() == 1)
                .blockFirst(Duration.ofSeconds(5));
    }

    @Test
    void aPooledConnectionIdleLongerThanTheResponseTimeoutIsReusedNotTimedOut() throws InterruptedException {
        // the response timeout runs only while a response is awaited: an idle connection in the pool is left alone
        try (FetchClient client = FetchClient.builder().responseTimeout(Duration.ofMillis(100)).build()) {
            FetchResult first = one(client, FetchRequest.get(server.url("/ok")));
            awaitIdleConnection(client);
            Thread.sleep(400); // the connection sits idle in the pool for four response timeouts
            FetchResult second = one(client, FetchRequest.get(server.url("/ok")));

            assertThat(first.isSuccess()).as(first.toString()).isTrue();
            assertThat(second.isSuccess()).as(second.toString()).isTrue();
            assertThat(server.connections()).isEqualTo(1);
            assertPoolQuiet(client);
        }
    }

    @Test
    void theResponseTimeoutCountsFromTheRequestNotFromTheConnectionsLastUse() throws InterruptedException {
        // the first request leaves the connection idle in the pool; the second stalls: it times out
        // after its own 300 ms, not earlier (as a timer counting from the first response would: after
        // the idle 150 ms below, about 150 ms into the stalled request)
        try (FetchClient client = FetchClient.builder().responseTimeout(Duration.ofMillis(300))
                .retry(RetryPolicy.none()).build()) {
            assertThat(one(client, FetchRequest.get(server.url("/ok"))).isSuccess()).isTrue();
            // the result can arrive a moment before its connection is back in the pool
            awaitIdleConnection(client);
            Thread.sleep(150); // idle for half the response timeout
            FetchResult stalled = one(client, FetchRequest.get(server.url("/stall-headers")));

            assertThat(stalled.kind()).isEqualTo(Kind.RESPONSE_TIMEOUT);
            assertThat(stalled.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(290));
            assertThat(server.connections()).isEqualTo(1); // the same connection carried both
            assertPoolQuiet(client);
        }
    }

    @Test
    void waitingForAPooledConnectionEndsAtTheRequestTimeoutAndLeavesThePoolUsable() {
        // one connection per host: the second request waits for it in the pool (which has no timeout of its
        // own) and ends at its request timeout; the cancelled wait leaves nothing behind
        try (FetchClient client = FetchClient.builder().maxConnectionsPerHost(1).retry(RetryPolicy.none()).build()) {
            Mono<FetchResult> holder = client.fetch(server.url("/delay/800"));
            Mono<FetchResult> waiter = Mono.delay(Duration.ofMillis(100))
                    .then(client.fetch(FetchRequest.get(server.url("/ok")).timeout(Duration.ofMillis(300))));
            List<FetchResult> both = Flux.merge(holder, waiter).collectList()
                    .block(Duration.ofSeconds(10));
            FetchResult after = one(client, FetchRequest.get(server.url("/ok")));

            assertThat(both).extracting(FetchResult::kind).containsExactlyInAnyOrder(null, Kind.REQUEST_TIMEOUT);
            assertThat(both).filteredOn(FetchResult::isSuccess).hasSize(1);
            assertThat(after.isSuccess()).as(after.toString()).isTrue();
            assertThat(server.maxOpenConnections()).isEqualTo(1);
            assertPoolQuiet(client);
        }
    }

    @Test
    void aBodyThatStallsIsResponseTimeout() {
        try (FetchClient client = FetchClient.builder().responseTimeout(Duration.ofMillis(300)).build()) {
            FetchResult r = one(client, FetchRequest.get(server.url("/stall-body")));

            assertThat(r.kind()).isEqualTo(Kind.RESPONSE_TIMEOUT);
            assertPoolQuiet(client);
        }
    }

    @Test
    void aTricklingBodyIsCaughtOnlyByTheRequestTimeout() {
        // a byte every 50 ms never trips a 1 s response timeout; the 600 ms request timeout ends it
        try (FetchClient client = FetchClient.builder()
                .responseTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofMillis(600)).build()) {
            FetchResult r = one(client, FetchRequest.get(server.url("/trickle/50")));

            assertThat(r.kind()).isEqualTo(Kind.REQUEST_TIMEOUT);
            assertThat(r.error().get().getMessage()).endsWith("not complete after 600ms");
            assertThat(r.elapsed()).isBetween(Duration.ofMillis(550), Duration.ofSeconds(3));
            assertPoolQuiet(client);
        }
    }

    @Test
    void perRequestTimeoutsOverrideTheClients() {
        try (FetchClient client = FetchClient.builder()
                .responseTimeout(Duration.ofSeconds(10)).requestTimeout(Duration.ofSeconds(10)).build()) {
            FetchResult response = one(client, FetchRequest.get(server.url("/stall-headers"))
                    .responseTimeout(Duration.ofMillis(200)));
            FetchResult request = one(client, FetchRequest.get(server.url("/trickle/50"))
                    .timeout(Duration.ofMillis(300)));

            assertThat(response.kind()).isEqualTo(Kind.RESPONSE_TIMEOUT);
            assertThat(request.kind()).isEqualTo(Kind.REQUEST_TIMEOUT);
            assertPoolQuiet(client);
        }
    }

    @Test
    void aPerRequestResponseTimeoutAppliesToThatRequestOnly() {
        // HTTP/1.1 keeps the response timeout in one handler per connection: a request's own timeout must
        // not stay behind for the next request on that connection
        try (FetchClient client = FetchClient.builder().responseTimeout(Duration.ofSeconds(5))
                .retry(RetryPolicy.none()).build()) {
            FetchResult shortOne = one(client, FetchRequest.get(server.url("/ok")).responseTimeout(Duration.ofMillis(200)));
            awaitIdleConnection(client);
            FetchResult slowDefault = one(client, FetchRequest.get(server.url("/delay/400")));

            assertThat(shortOne.isSuccess()).as(shortOne.toString()).isTrue();
            assertThat(slowDefault.isSuccess()).as(slowDefault.toString()).isTrue();
            assertThat(server.connections()).isEqualTo(1); // the same connection carried both
            assertPoolQuiet(client);
        }
    }

    @Test
    void perRequestConnectTimeoutIsUsed() throws IOException {
        try (UnacceptingSocket unaccepting = new UnacceptingSocket();
             FetchClient client = FetchClient.builder().connectTimeout(Duration.ofSeconds(20)).build()) {
            FetchResult r = one(client, FetchRequest.get(unaccepting.url("/")).connectTimeout(Duration.ofMillis(250)));

            assertThat(r.kind()).isEqualTo(Kind.CONNECT_TIMEOUT);
            assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void anUnacceptedStatusIsHttpStatusAndKeepsTheResponse() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = one(client, FetchRequest.get(server.url("/status/404")));

            assertThat(r.isSuccess()).isFalse();
            assertThat(r.kind()).isEqualTo(Kind.HTTP_STATUS);
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.bodyAsString()).isEqualTo("status 404");
            assertThat(r.error().get().status()).isEqualTo(404);
            assertThat(r.headers().get("content-length")).isEqualTo("10");
        }
    }

    @Test
    void statusAcceptanceIsConfigurable() {
        try (FetchClient client = FetchClient.builder().acceptStatus(s -> s < 500).build()) {
            assertThat(one(client, FetchRequest.get(server.url("/status/404"))).isSuccess()).isTrue();
            assertThat(one(client, FetchRequest.get(server.url("/status/503"))).kind()).isEqualTo(Kind.HTTP_STATUS);
        }
    }

    @Test
    void orThrowRaisesTheErrorOfAFailure() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = one(client, FetchRequest.get(server.url("/status/500")));
            org.assertj.core.api.Assertions.assertThatThrownBy(r::orThrow)
                    .isInstanceOf(FetchException.class)
                    .hasMessageStartingWith("HTTP_STATUS GET " + server.url("/status/500"));
            FetchResult ok = one(client, FetchRequest.get(server.url("/ok")));
            assertThat(ok.orThrow()).isSameAs(ok);
        }
    }

    @Test
    void bodyOverTheLimitIsBodyTooLargeWithContentLength() {
        try (FetchClient client = FetchClient.builder().maxBodySize(1000).build()) {
            FetchResult r = one(client, FetchRequest.get(server.url("/bytes/5000")));

            assertThat(r.kind()).isEqualTo(Kind.BODY_TOO_LARGE);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEmpty();
            assertThat(one(client, FetchRequest.get(server.url("/bytes/1000"))).body()).hasSize(1000);
            assertPoolQuiet(client);
        }
    }

    @Test
    void chunkedBodyOverTheLimitIsBodyTooLarge() {
        try (FetchClient client = FetchClient.builder().maxBodySize(10_000).build()) {
            FetchResult big = one(client, FetchRequest.get(server.url("/chunked/200000")));
            FetchResult small = one(client, FetchRequest.get(server.url("/chunked/9000")));

            assertThat(big.kind()).isEqualTo(Kind.BODY_TOO_LARGE);
            assertThat(small.isSuccess()).isTrue();
            assertThat(small.body()).hasSize(9000);
            assertPoolQuiet(client);
        }
    }

    @Test
    void headIgnoresTheContentLengthOfTheBodyItDoesNotGet() {
        try (FetchClient client = FetchClient.builder().maxBodySize(10).build()) {
            FetchResult r = one(client, FetchRequest.head(server.url("/bytes/5000")));

            assertThat(r.isSuccess()).as(String.valueOf(r.error())).isTrue();
            assertThat(r.body()).isEmpty();
        }
    }

    @Test
    void invalidUrlsAreResultsForTheirItemsOnly() {
        List<String> urls = Arrays.asList(
                server.url("/ok"), "not a url", "ftp://example.com/file", null, "http://", "",
                "http://127.0.0.1:99999/x", "http://exa mple.com/", "/relative/path", server.url("/json"));
        try (FetchClient client = FetchClient.create()) {
            List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(20));

            assertThat(results).hasSize(urls.size());
            assertThat(results.get(0).isSuccess()).isTrue();
            assertThat(results.get(9).isSuccess()).isTrue();
            for (int i = 1; i <= 8; i++) {
                FetchResult r = results.get(i);
                assertThat(r.index()).isEqualTo(i);
                assertThat(r.kind()).as(String.valueOf(urls.get(i))).isEqualTo(Kind.INVALID_REQUEST);
                assertThat(r.attempts()).isZero();
            }
            assertThat(results.get(2).error().get().getMessage()).contains("scheme ftp (expected: http or https)");
            assertThat(results.get(3).error().get().getMessage()).contains("url: null");
            assertThat(results.get(6).error().get().getMessage()).contains("port 99999");
            assertThat(server.totalHits()).isEqualTo(2);
        }
    }

    @Test
    void invalidHeadersAreInvalidRequestAndNothingIsSent() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult crlf = one(client, FetchRequest.get(server.url("/ok")).header("X-A", "a\r\nInjected: 1"));
            FetchResult badName = one(client, FetchRequest.get(server.url("/ok")).header("Bad Name", "v"));

            assertThat(crlf.kind()).isEqualTo(Kind.INVALID_REQUEST);
            assertThat(badName.kind()).isEqualTo(Kind.INVALID_REQUEST);
            assertThat(server.totalHits()).isZero();
        }
    }

    @Test
    void jsonDecodesAndADecodeFailureIsDecode() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult ok = one(client, FetchRequest.get(server.url("/json")));
            FetchResult bad = one(client, FetchRequest.get(server.url("/not-json")));

            assertThat(ok.json().get("name").asText()).isEqualTo("widget");
            record Widget(int id, String name, List<String> tags) {
            }
            assertThat(ok.json(Widget.class)).isEqualTo(new Widget(7, "widget", List.of("a", "b")));
            assertThat(bad.isSuccess()).isTrue();
            org.assertj.core.api.Assertions.assertThatThrownBy(bad::json)
                    .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DECODE))
                    .hasMessageContaining("not valid JSON");
        }
    }

    @Test
    void bodyAsStringUsesTheCharsetOfTheContentType() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = one(client, FetchRequest.post(server.url("/echo"))
                    .body("héllo".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), "text/plain; charset=ISO-8859-1"));
            assertThat(r.json().get("headers").get("content-type").asText()).isEqualTo("text/plain; charset=ISO-8859-1");
        }
    }

    @Test
    void tenThousandRequestsWithMixedFailuresYieldExactlyOneResultEach() {
        String[] paths = {"/ok", "/status/503", "/status/404", "/bytes/3000", "/json"};
        List<String> urls = new ArrayList<>(10_000);
        for (int i = 0; i < 10_000; i++) {
            urls.add(i % 97 == 0 ? "bad url " + i : server.url(paths[i % paths.length]));
        }
        try (FetchClient client = FetchClient.builder().concurrency(128).maxConnectionsPerHost(128)
                .maxBodySize(2000).build()) {
            Set<Long> seen = new HashSet<>();
            Map<Kind, Integer> kinds = new HashMap<>();
            int[] successes = {0};
            client.fetchAsCompleted(urls).doOnNext(r -> {
                assertThat(seen.add(r.index())).as("duplicate " + r.index()).isTrue();
                if (r.isSuccess()) {
                    successes[0]++;
                } else {
                    kinds.merge(r.kind(), 1, Integer::sum);
                }
                String url = urls.get((int) r.index());
                assertThat(r.request().url()).isEqualTo(url);
            }).blockLast(Duration.ofSeconds(120));

            assertThat(seen).hasSize(10_000);
            int invalid = 10_000 / 97 + 1;
            assertThat(kinds.get(Kind.INVALID_REQUEST)).isEqualTo(invalid);
            assertThat(kinds.get(Kind.HTTP_STATUS) + kinds.get(Kind.BODY_TOO_LARGE) + successes[0] + invalid)
                    .isEqualTo(10_000);
            assertThat(successes[0]).isEqualTo(server.hits("/ok") + server.hits("/json"));
            assertThat(kinds.get(Kind.BODY_TOO_LARGE)).isEqualTo(server.hits("/bytes/3000"));
            assertPoolQuiet(client);
        }
    }
}
