package dev.fanout.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.BatchProgress;
import dev.fanout.FetchClient;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.ProgressSnapshot;
import dev.fanout.testing.TestDnsServer;
import dev.fanout.testing.TestProxy;
import dev.fanout.testing.TestResolver;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * International host names against a real server on 127.0.0.1: the name is resolved, connected to
 * and sent (Host header) in its ASCII form, through Netty's DNS client and through a test resolver;
 * redirects to a Unicode {@code Location}, the private-address guard, the no-proxy list and the
 * per-host progress counts all see that one form; an invalid name is one INVALID_REQUEST result.
 */
class IdnTest {

    static final String BUECHER = "xn--bcher-kva.test";     // bücher.test
    static final String REIE = "xn--r8jz45g.xn--zckzah";     // 例え.テスト

    static DisposableServer server;
    static TestDnsServer dns;
    static final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws InterruptedException {
        server = HttpServer.create().host("127.0.0.1").port(0).handle(IdnTest::handle).bindNow(Duration.ofSeconds(10));
        dns = new TestDnsServer(60).a(BUECHER, "127.0.0.1");
    }

    @AfterAll
    static void stop() {
        server.disposeNow(Duration.ofSeconds(5));
        dns.close();
    }

    /**
     * /echo: JSON with the Host header, the Authorization header and the path; /to?url=U: a 302 to U, its
     * Location written as raw UTF-8 bytes, as a server sends a Unicode URL; /loop: a 301 to itself, spelt
     * http://bücher.test:port/loop.
     */
    private static Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        hits.computeIfAbsent(q.path(), p -> new AtomicInteger()).incrementAndGet();
        if (q.path().equals("/to")) {
            String location = q.parameters().get("url").get(0).replace("{port}", String.valueOf(server.port()));
            // Netty writes a header value one byte per char: these chars are the UTF-8 bytes
            return res.status(302).header(HttpHeaderNames.LOCATION,
                    new String(location.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)).send();
        }
        if (q.path().equals("/loop")) {
            String self = "http://bücher.test:" + server.port() + "/loop";
            return res.status(301).header(HttpHeaderNames.LOCATION,
                    new String(self.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)).send();
        }
        String auth = req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        return res.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just("{\"host\":\"" + req.requestHeaders().get(HttpHeaderNames.HOST)
                        + "\",\"authorization\":" + (auth == null ? "null" : "\"" + auth + "\"")
                        + ",\"path\":\"" + q.path() + "\"}"));
    }

    private static int port() {
        return server.port();
    }

    private static FetchResult fetch(FetchClient client, FetchRequest request) {
        return client.fetch(request).block(Duration.ofSeconds(20));
    }

    private static String to(String host, String target) {
        return "http://" + host + ":" + port() + "/to?url=" + java.net.URLEncoder.encode(target, StandardCharsets.UTF_8);
    }

    @Test
    void aUnicodeHostIsResolvedThroughDnsAndSentInItsAsciiForm() {
        try (FetchClient client = FetchClient.builder().dnsServers(dns.address()).build()) {
            FetchResult r = fetch(client, FetchRequest.get("http://bücher.test:" + port() + "/echo"));
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.json().get("host").asText()).isEqualTo(BUECHER + ":" + port());
            assertThat(dns.aQueries(BUECHER)).as("the DNS server was asked for the ASCII name").isPositive();
            assertThat(r.url()).isEqualTo("http://" + BUECHER + ":" + port() + "/echo");
            assertThat(r.request().url()).isEqualTo(r.url());
        }
    }

    @Test
    void aJapaneseHostThroughTheTestResolver() {
        TestResolver resolver = new TestResolver().map(REIE, "127.0.0.1");
        try (FetchClient client = FetchClient.builder().addressResolverGroup(resolver).build()) {
            FetchResult r = fetch(client, FetchRequest.get("http://例え.テスト:" + port() + "/echo"));
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.json().get("host").asText()).isEqualTo(REIE + ":" + port());
            assertThat(resolver.lookups(REIE)).isPositive();
        }
    }

    @Test
    void fullWidthDigitsAreTheLoopbackAddressAndTheGuardSaysSo() {
        String url = "http://１２７.０.０.１:" + port() + "/echo";
        try (FetchClient open = FetchClient.create();
             FetchClient guarded = FetchClient.builder().blockPrivateAddresses().build()) {
            FetchResult r = fetch(open, FetchRequest.get(url));
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.json().get("host").asText()).isEqualTo("127.0.0.1:" + port());
            hits.clear();
            assertThat(fetch(guarded, FetchRequest.get(url)).kind()).isEqualTo(Kind.BLOCKED_ADDRESS);
            assertThat(hits).isEmpty();
        }
    }

    @Test
    void theGuardJudgesTheAddressesOfTheAsciiName() {
        TestResolver resolver = new TestResolver().map(BUECHER, "127.0.0.1");
        hits.clear();
        try (FetchClient client = FetchClient.builder().blockPrivateAddresses().addressResolverGroup(resolver).build()) {
            FetchResult r = fetch(client, FetchRequest.get("http://bücher.test:" + port() + "/echo"));
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.BLOCKED_ADDRESS);
            assertThat(r.error().orElseThrow().getMessage()).contains(BUECHER);
            assertThat(resolver.lookups(BUECHER)).isPositive();
            assertThat(hits).isEmpty();
        }
    }

    @Test
    void invalidInternationalNamesAreInvalidRequestResultsAndTheBatchGoesOn() {
        TestResolver resolver = new TestResolver().map(BUECHER, "127.0.0.1");
        try (FetchClient client = FetchClient.builder().addressResolverGroup(resolver).build()) {
            List<String> urls = List.of("http://bücher.test:" + port() + "/echo", "http://faß.test:" + port() + "/echo",
                    "http://😀.test/", "http://evil.test／x/", "http://bü..test/",
                    "http://BÜCHER.test:" + port() + "/echo");
            List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(20));
            assertThat(results).extracting(FetchResult::kind).containsExactly(null, Kind.INVALID_REQUEST,
                    Kind.INVALID_REQUEST, Kind.INVALID_REQUEST, Kind.INVALID_REQUEST, null);
            assertThat(results.get(1).error().orElseThrow().getMessage())
                    .contains("host is not a valid international host name", "U+00DF");
            assertThat(results.get(1).url()).as("a request that was never sent keeps its URL as written")
                    .isEqualTo("http://faß.test:" + port() + "/echo");
        }
    }

    @Test
    void aRedirectToAUnicodeLocationGoesToTheAsciiHostAndCountsAsAnotherOrigin() {
        TestResolver resolver = new TestResolver().map(BUECHER, "127.0.0.1");
        try (FetchClient client = FetchClient.builder().addressResolverGroup(resolver).build()) {
            FetchResult r = fetch(client, FetchRequest.get(to("127.0.0.1", "http://bücher.test:{port}/echo"))
                    .header("Authorization", "Bearer t"));
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.redirects()).isEqualTo(1);
            assertThat(r.url()).isEqualTo("http://" + BUECHER + ":" + port() + "/echo");
            JsonNode body = r.json();
            assertThat(body.get("host").asText()).isEqualTo(BUECHER + ":" + port());
            assertThat(body.get("authorization").isNull()).as("another origin: credentials dropped").isTrue();
        }
    }

    @Test
    void aRedirectBetweenTheUnicodeAndAsciiSpellingsOfOneHostIsTheSameOrigin() {
        TestResolver resolver = new TestResolver().map(BUECHER, "127.0.0.1");
        try (FetchClient client = FetchClient.builder().addressResolverGroup(resolver).build()) {
            FetchResult r = fetch(client, FetchRequest.get(to(BUECHER, "http://BÜCHER.test:{port}/echo"))
                    .header("Authorization", "Bearer t"));
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.json().get("authorization").asText()).as("same origin: credentials kept").isEqualTo("Bearer t");

            // a Location that is the Unicode spelling of the URL just fetched is a loop at once
            hits.clear();
            FetchResult loop = fetch(client, FetchRequest.get("http://bücher.test:" + port() + "/loop"));
            assertThat(loop.kind()).as(loop.toString()).isEqualTo(Kind.TOO_MANY_REDIRECTS);
            assertThat(hits.get("/loop").get()).isEqualTo(1);
        }
    }

    @Test
    void anInvalidUnicodeHostInALocationIsAProtocolFailure() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = fetch(client, FetchRequest.get(to("127.0.0.1", "http://faß.test/")));
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.PROTOCOL);
            assertThat(r.error().orElseThrow().getMessage()).contains("invalid redirect Location", "U+00DF");
        }
    }

    @Test
    void progressCountsAUnicodeHostUnderItsAsciiForm() {
        TestResolver resolver = new TestResolver().map(BUECHER, "127.0.0.1");
        BatchProgress progress = new BatchProgress();
        try (FetchClient client = FetchClient.builder().addressResolverGroup(resolver).listener(progress).build()) {
            client.fetchAll(List.of("http://bücher.test:" + port() + "/echo", "http://BÜCHER.test:" + port() + "/echo",
                    "http://" + BUECHER + ":" + port() + "/echo")).block(Duration.ofSeconds(20));
        }
        ProgressSnapshot s = progress.snapshot();
        assertThat(s.perHost()).containsOnlyKeys(BUECHER + ":" + port());
        ProgressSnapshot.HostCounts counts = s.perHost().get(BUECHER + ":" + port());
        assertThat(counts.started()).isEqualTo(3);
        assertThat(counts.done()).isEqualTo(3);
        assertThat(counts.inFlight()).isZero();
    }

    @Test
    void theNoProxyListMatchesTheAsciiForm() throws Exception {
        TestResolver resolver = new TestResolver().map("www." + BUECHER, "127.0.0.1").map(REIE, "127.0.0.1");
        try (TestProxy proxy = new TestProxy(TestProxy.Type.HTTP, null, null);
             FetchClient client = FetchClient.builder().httpProxy("127.0.0.1", proxy.port())
                     .addressResolverGroup(resolver).noProxy("*.bücher.test").build()) {
            FetchResult direct = fetch(client, FetchRequest.get("http://www.bücher.test:" + port() + "/echo"));
            assertThat(direct.isSuccess()).as(direct.toString()).isTrue();
            assertThat(direct.json().get("host").asText()).isEqualTo("www." + BUECHER + ":" + port());
            assertThat(proxy.connections()).as("matched the no-proxy list: no tunnel").isZero();

            fetch(client, FetchRequest.get("http://例え.テスト:" + port() + "/echo").retry(dev.fanout.RetryPolicy.none()));
            assertThat(proxy.connections()).as("a name not on the list goes through the proxy").isEqualTo(1);
        }
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder().noProxy("faß.de"))
                .withMessageStartingWith("noProxy: faß.de");
    }
}
