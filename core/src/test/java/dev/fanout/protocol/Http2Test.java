package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchResult;
import dev.fanout.internal.ErrorClassifier;
import dev.fanout.testing.InFlight;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP/2 over TLS (ALPN) with HTTP/1.1 fallback, h2c prior knowledge, and streams counted per host. */
class Http2Test {

    static Path caPem;
    static DisposableServer h2;
    static DisposableServer h1Tls;
    static DisposableServer h2c;
    static final InFlight inFlight = new InFlight();
    /** Distinct client ports seen: TCP connections (Reactor Netty's doOnConnection fires per HTTP/2 stream). */
    static final java.util.Set<Integer> clientPorts = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws Exception {
        X509Bundle ca = new CertificateBuilder().subject("CN=CA").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        X509Bundle leaf = new CertificateBuilder().subject("CN=127.0.0.1").addSanIpAddress("127.0.0.1").ecp256()
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        caPem = ca.toTempRootCertPem().toPath();
        h2 = HttpServer.create().host("127.0.0.1").port(0).protocol(HttpProtocol.H2, HttpProtocol.HTTP11)
                .secure(s -> s.sslContext(Http2SslContextSpec.forServer(leaf.getKeyPair().getPrivate(), leaf.getCertificatePath())))
                .handle(Http2Test::handle).bindNow(Duration.ofSeconds(10));
        h1Tls = HttpServer.create().host("127.0.0.1").port(0)
                .secure(s -> s.sslContext(Http11SslContextSpec.forServer(leaf.getKeyPair().getPrivate(), leaf.getCertificatePath())))
                .handle(Http2Test::handle).bindNow(Duration.ofSeconds(10));
        h2c = HttpServer.create().host("127.0.0.1").port(0).protocol(HttpProtocol.H2C, HttpProtocol.HTTP11)
                .handle(Http2Test::handle).bindNow(Duration.ofSeconds(10));
    }

    private static org.reactivestreams.Publisher<Void> handle(reactor.netty.http.server.HttpServerRequest req,
                                                             reactor.netty.http.server.HttpServerResponse res) {
        clientPorts.add(req.remoteAddress().getPort());
        long delay = req.uri().startsWith("/slow") ? 150 : 0;
        Runnable leave = inFlight.enter(); // out just before the answer is written (InFlight)
        return Mono.delay(Duration.ofMillis(delay)).doOnNext(t -> leave.run())
                .then(res.sendString(Mono.just(req.version().text())).then())
                .doFinally(s -> leave.run());
    }

    @AfterAll
    static void stop() {
        h2.disposeNow(Duration.ofSeconds(5));
        h1Tls.disposeNow(Duration.ofSeconds(5));
        h2c.disposeNow(Duration.ofSeconds(5));
    }

    private static String url(DisposableServer s, String path) {
        return (s == h2c ? "http" : "https") + "://127.0.0.1:" + s.port() + path;
    }

    @Test
    void http2IsNegotiatedByAlpnAndFallsBackToHttp11() {
        try (FetchClient client = FetchClient.builder().http2().trustCertificates(caPem).build();
             FetchClient plain = FetchClient.builder().trustCertificates(caPem).build()) {
            FetchResult r = client.fetch(url(h2, "/")).block(Duration.ofSeconds(10));
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.bodyAsString()).isEqualTo("HTTP/2.0");

            FetchResult fallback = client.fetch(url(h1Tls, "/")).block(Duration.ofSeconds(10));
            assertThat(fallback.isSuccess()).as(fallback.toString()).isTrue();
            assertThat(fallback.bodyAsString()).isEqualTo("HTTP/1.1");

            assertThat(plain.fetch(url(h2, "/")).block(Duration.ofSeconds(10)).bodyAsString()).isEqualTo("HTTP/1.1");
        }
    }

    @Test
    void h2cPriorKnowledgeSpeaksHttp2InCleartext() {
        try (FetchClient client = FetchClient.builder().h2cPriorKnowledge().build()) {
            FetchResult r = client.fetch(url(h2c, "/")).block(Duration.ofSeconds(10));
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.bodyAsString()).isEqualTo("HTTP/2.0");
        }
    }

    @Test
    void thePerHostLimitCountsStreamsNotConnections() {
        inFlight.resetMax();
        clientPorts.clear();
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            urls.add(url(h2, "/slow/" + i));
        }
        try (FetchClient client = FetchClient.builder().http2().trustCertificates(caPem).maxConnectionsPerHost(4)
                .concurrency(16).build()) {
            List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(20));
            assertThat(results).allMatch(FetchResult::isSuccess);
            assertThat(results).allMatch(r -> r.bodyAsString().equals("HTTP/2.0"));
        }
        assertThat(inFlight.max()).isEqualTo(4);
        // every response was HTTP/2, the 16 requests multiplexed on one connection (the server allows far
        // more than 4 streams; Http2PoolTest has a server that allows fewer)
        assertThat(clientPorts).hasSize(1);
    }

    @Test
    void theHttp11FallbackKeepsItsConnectionsPerHost() {
        inFlight.resetMax();
        clientPorts.clear();
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            urls.add(url(h1Tls, "/slow/" + i));
        }
        try (FetchClient client = FetchClient.builder().http2().trustCertificates(caPem).maxConnectionsPerHost(4)
                .concurrency(16).build()) {
            List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(20));
            assertThat(results).allMatch(FetchResult::isSuccess);
        }
        assertThat(inFlight.max()).isEqualTo(4);
        assertThat(clientPorts).hasSize(4);
    }

    @Test
    void refusedStreamIsClassifiedAsNeverProcessed() {
        Http2Exception refused = Http2Exception.streamError(3, Http2Error.REFUSED_STREAM, "stream refused");
        FetchException e = ErrorClassifier.classify(new RuntimeException(refused), "POST", "https://h/x",
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(e.kind()).isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(e.neverProcessed()).isTrue();

        Http2Exception protocol = Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR, "bad frame");
        FetchException p = ErrorClassifier.classify(protocol, "GET", "https://h/x",
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(p.kind()).isEqualTo(Kind.PROTOCOL);
        assertThat(p.neverProcessed()).isFalse();
    }
}
