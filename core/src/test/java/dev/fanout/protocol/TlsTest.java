package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchResult;
import dev.fanout.testing.TestResolver;
import io.netty.handler.ssl.ClientAuth;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.netty.tcp.TcpServer;
import reactor.util.Loggers;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** TLS against real servers with a certificate authority generated in the test. */
class TlsTest {

    static X509Bundle ca;
    static X509Bundle otherCa;
    static X509Bundle clientCert;
    static Path caPem;
    static DisposableServer trusted;
    static DisposableServer wrongHost;
    static DisposableServer expired;
    static DisposableServer untrusted;
    static DisposableServer mutual;
    static DisposableServer sni;
    static DisposableServer silent;
    static final AtomicInteger trustedHits = new AtomicInteger();

    @BeforeAll
    static void pki() throws Exception {
        ca = new CertificateBuilder().subject("CN=Fanout Test CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        otherCa = new CertificateBuilder().subject("CN=Someone Else CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        X509Bundle good = leaf("CN=127.0.0.1").addSanIpAddress("127.0.0.1").addSanDnsName("tls.test").buildIssuedBy(ca);
        X509Bundle otherName = leaf("CN=other.test").addSanDnsName("other.test").buildIssuedBy(ca);
        X509Bundle old = leaf("CN=127.0.0.1").addSanIpAddress("127.0.0.1")
                .notBefore(Instant.now().minus(Duration.ofDays(30))).notAfter(Instant.now().minus(Duration.ofDays(1)))
                .buildIssuedBy(ca);
        X509Bundle stranger = leaf("CN=127.0.0.1").addSanIpAddress("127.0.0.1").buildIssuedBy(otherCa);
        X509Bundle defaultName = leaf("CN=default.test").addSanDnsName("default.test").buildIssuedBy(ca);
        X509Bundle sniName = leaf("CN=sni.test").addSanDnsName("sni.test").buildIssuedBy(ca);
        X509Bundle idnName = leaf("CN=xn--bcher-kva.test").addSanDnsName("xn--bcher-kva.test").buildIssuedBy(ca);
        clientCert = new CertificateBuilder().subject("CN=fanout client").ecp256().addExtendedKeyUsageClientAuth()
                .buildIssuedBy(ca);
        caPem = ca.toTempRootCertPem().toPath();

        trusted = server(spec(good), trustedHits);
        wrongHost = server(spec(otherName), null);
        expired = server(spec(old), null);
        untrusted = server(spec(stranger), null);
        mutual = server(spec(good).configure(b -> b.trustManager(ca.getCertificate()).clientAuth(ClientAuth.REQUIRE)),
                null);
        sni = HttpServer.create().host("127.0.0.1").port(0)
                .secure(s -> s.sslContext(spec(defaultName)).addSniMapping("sni.test", m -> m.sslContext(spec(sniName)))
                        .addSniMapping("xn--bcher-kva.test", m -> m.sslContext(spec(idnName))))
                .handle((req, res) -> res.sendString(Mono.just("sni ok")))
                .bindNow(Duration.ofSeconds(10));
        // Accepts TCP connections and never says a word: the TLS handshake cannot finish.
        silent = TcpServer.create().host("127.0.0.1").port(0).handle((in, out) -> Mono.never())
                .bindNow(Duration.ofSeconds(10));
    }

    private static CertificateBuilder leaf(String subject) {
        return new CertificateBuilder().subject(subject).ecp256().addExtendedKeyUsageServerAuth();
    }

    private static Http11SslContextSpec spec(X509Bundle bundle) {
        return Http11SslContextSpec.forServer(bundle.getKeyPair().getPrivate(), bundle.getCertificatePath());
    }

    private static DisposableServer server(Http11SslContextSpec spec, AtomicInteger hits) {
        return HttpServer.create().host("127.0.0.1").port(0).secure(s -> s.sslContext(spec))
                .handle((req, res) -> {
                    if (hits != null) {
                        hits.incrementAndGet();
                    }
                    return res.sendString(Mono.just("secret page"));
                })
                .bindNow(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        for (DisposableServer s : List.of(trusted, wrongHost, expired, untrusted, mutual, sni, silent)) {
            s.disposeNow(Duration.ofSeconds(5));
        }
    }

    private static String url(DisposableServer s) {
        return "https://127.0.0.1:" + s.port() + "/";
    }

    private static FetchResult fetch(FetchClient client, String url) {
        return client.fetch(url).block(Duration.ofSeconds(15));
    }

    @Test
    void defaultClientVerifiesAgainstTheJdkTrustStore() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = fetch(client, url(trusted));
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.TLS);
            assertThat(r.error().orElseThrow().getMessage()).startsWith("TLS GET https://127.0.0.1:");
        }
    }

    @Test
    void customTrustFromPemFileOrKeyStoreVerifies() throws Exception {
        try (FetchClient pem = FetchClient.builder().trustCertificates(caPem).build();
             FetchClient store = FetchClient.builder().trustStore(ca.toKeyStore(new char[0])).build()) {
            for (FetchClient client : List.of(pem, store)) {
                FetchResult r = fetch(client, url(trusted));
                assertThat(r.isSuccess()).as(r.toString()).isTrue();
                assertThat(r.bodyAsString()).isEqualTo("secret page");
            }
        }
    }

    @Test
    void wrongHostExpiredAndUntrustedAreTlsFailuresAndNeverFallBack() {
        try (FetchClient client = FetchClient.builder().trustCertificates(caPem).build()) {
            for (DisposableServer s : List.of(wrongHost, expired, untrusted)) {
                FetchResult r = fetch(client, url(s));
                assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.TLS);
                assertThat(r.status()).isZero();
                assertThat(r.body()).isEmpty();
                assertThat(r.kind().requestNeverSent()).isTrue();
            }
        }
    }

    @Test
    void sniSendsTheUrlHostName() {
        TestResolver resolver = new TestResolver().map("sni.test", "127.0.0.1").map("default.test", "127.0.0.1");
        try (FetchClient client = FetchClient.builder().trustCertificates(caPem).addressResolverGroup(resolver).build()) {
            FetchResult r = fetch(client, "https://sni.test:" + sni.port() + "/");
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.bodyAsString()).isEqualTo("sni ok");
        }
    }

    @Test
    void anInternationalHostIsSentAsAsciiInSniAndVerifiedAgainstItsAsciiName() {
        // the server answers SNI "xn--bcher-kva.test" with a certificate for that name, anything else with
        // default.test's: only the ASCII name in SNI, checked against the ASCII name, passes
        TestResolver resolver = new TestResolver().map("xn--bcher-kva.test", "127.0.0.1");
        try (FetchClient client = FetchClient.builder().trustCertificates(caPem).addressResolverGroup(resolver).build()) {
            FetchResult r = fetch(client, "https://bücher.test:" + sni.port() + "/");
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.bodyAsString()).isEqualTo("sni ok");
            assertThat(r.url()).isEqualTo("https://xn--bcher-kva.test:" + sni.port() + "/");
        }
    }

    @Test
    void mutualTlsPresentsTheClientCertificate() throws Exception {
        Path cert = clientCert.toTempCertChainPem().toPath();
        Path key = clientCert.toTempPrivateKeyPem().toPath();
        try (FetchClient without = FetchClient.builder().trustCertificates(caPem).build();
             FetchClient withPem = FetchClient.builder().trustCertificates(caPem).clientCertificate(cert, key).build();
             FetchClient withStore = FetchClient.builder().trustCertificates(caPem)
                     .clientCertificate(clientCert.toKeyStore("pw".toCharArray()), "pw".toCharArray()).build()) {
            FetchResult refused = fetch(without, url(mutual));
            assertThat(refused.isSuccess()).as(refused.toString()).isFalse();
            assertThat(refused.kind()).as(refused.toString()).isIn(Kind.TLS, Kind.CONNECTION_CLOSED);

            assertThat(fetch(withPem, url(mutual)).isSuccess()).isTrue();
            assertThat(fetch(withStore, url(mutual)).isSuccess()).isTrue();
        }
    }

    @Test
    void handshakeTimeoutIsATlsFailure() {
        try (FetchClient client = FetchClient.builder().trustCertificates(caPem)
                .tlsHandshakeTimeout(Duration.ofMillis(300)).responseTimeout(Duration.ofSeconds(10)).build()) {
            long start = System.nanoTime();
            FetchResult r = fetch(client, url(silent));
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.TLS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void insecureTrustsAnythingAndWarnsOncePerClient() {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Logger jul = Logger.getLogger("dev.fanout.internal.TlsConfig");
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(handler);
        Loggers.useJdkLoggers();
        try (FetchClient client = FetchClient.builder().insecure().build()) {
            for (DisposableServer s : List.of(wrongHost, expired, untrusted, trusted)) {
                FetchResult r = fetch(client, url(s));
                assertThat(r.isSuccess()).as(r.toString()).isTrue();
            }
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0).getMessage()).contains("insecure");
        } finally {
            Loggers.resetLoggerFactory();
            jul.removeHandler(handler);
        }
    }

    @Test
    void insecureWithCustomTrustIsRefusedAndBadFilesFailTheBuild() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> FetchClient.builder().insecure().trustCertificates(caPem).build())
                .withMessageStartingWith("insecure: combined with trustCertificates");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> FetchClient.builder().trustCertificates(Path.of("/nonexistent/ca.pem")).build())
                .withMessageStartingWith("TLS configuration:");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> FetchClient.builder().tlsHandshakeTimeout(Duration.ZERO))
                .withMessage("tlsHandshakeTimeout: PT0S (expected: > 0)");
    }
}
