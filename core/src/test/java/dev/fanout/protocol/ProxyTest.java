package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchResult;
import dev.fanout.testing.TestProxy;
import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** HTTP CONNECT and SOCKS5 proxies on 127.0.0.1 that record the tunnels they open. */
class ProxyTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static FetchResult fetch(FetchClient client) {
        return client.fetch(server.url("/ok")).block(Duration.ofSeconds(10));
    }

    @Test
    void httpConnectProxyCarriesTheRequest() throws Exception {
        try (TestProxy proxy = new TestProxy(TestProxy.Type.HTTP, null, null);
             FetchClient client = FetchClient.builder().httpProxy("127.0.0.1", proxy.port()).build()) {
            FetchResult r = fetch(client);
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(proxy.targets()).containsExactly("127.0.0.1:" + server.port());
            assertThat(server.hits("/ok")).isEqualTo(1);
        }
    }

    @Test
    void httpProxyCredentialsAreSentAndRequired() throws Exception {
        try (TestProxy proxy = new TestProxy(TestProxy.Type.HTTP, "alice", "pr0xy-secret");
             FetchClient good = FetchClient.builder().httpProxy("127.0.0.1", proxy.port())
                     .proxyCredentials("alice", "pr0xy-secret").build();
             FetchClient none = FetchClient.builder().httpProxy("127.0.0.1", proxy.port()).build()) {
            assertThat(fetch(good).isSuccess()).isTrue();

            FetchResult refused = fetch(none);
            assertThat(refused.kind()).as(refused.toString()).isEqualTo(Kind.CONNECT);
            assertThat(proxy.targets()).hasSize(1);
            assertThat(server.hits("/ok")).isEqualTo(1);
        }
    }

    @Test
    void socks5ProxyWithAndWithoutCredentials() throws Exception {
        try (TestProxy open = new TestProxy(TestProxy.Type.SOCKS5, null, null);
             TestProxy authed = new TestProxy(TestProxy.Type.SOCKS5, "bob", "s0cks");
             FetchClient viaOpen = FetchClient.builder().socks5Proxy("127.0.0.1", open.port()).build();
             FetchClient viaAuthed = FetchClient.builder().socks5Proxy("127.0.0.1", authed.port())
                     .proxyCredentials("bob", "s0cks").build();
             FetchClient wrong = FetchClient.builder().socks5Proxy("127.0.0.1", authed.port())
                     .proxyCredentials("bob", "nope").build()) {
            assertThat(fetch(viaOpen).isSuccess()).isTrue();
            assertThat(open.targets()).containsExactly("127.0.0.1:" + server.port());
            assertThat(fetch(viaAuthed).isSuccess()).isTrue();
            assertThat(authed.targets()).hasSize(1);
            FetchResult refused = fetch(wrong);
            assertThat(refused.kind()).as(refused.toString()).isEqualTo(Kind.CONNECT);
            assertThat(authed.targets()).hasSize(1);
        }
    }

    @Test
    void httpsGoesThroughTheConnectTunnelAndIsStillVerified() throws Exception {
        io.netty.pkitesting.X509Bundle ca = new io.netty.pkitesting.CertificateBuilder().subject("CN=CA")
                .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        io.netty.pkitesting.X509Bundle leaf = new io.netty.pkitesting.CertificateBuilder().subject("CN=127.0.0.1")
                .addSanIpAddress("127.0.0.1").ecp256().addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        reactor.netty.DisposableServer tls = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
                .secure(spec -> spec.sslContext(reactor.netty.http.Http11SslContextSpec.forServer(
                        leaf.getKeyPair().getPrivate(), leaf.getCertificatePath())))
                .handle((req, res) -> res.sendString(reactor.core.publisher.Mono.just("tunnelled")))
                .bindNow(Duration.ofSeconds(10));
        try (TestProxy proxy = new TestProxy(TestProxy.Type.HTTP, null, null);
             FetchClient trusted = FetchClient.builder().httpProxy("127.0.0.1", proxy.port())
                     .trustCertificates(ca.toTempRootCertPem().toPath()).build();
             FetchClient untrusted = FetchClient.builder().httpProxy("127.0.0.1", proxy.port()).build()) {
            String url = "https://127.0.0.1:" + tls.port() + "/";
            FetchResult r = trusted.fetch(url).block(Duration.ofSeconds(10));
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.bodyAsString()).isEqualTo("tunnelled");
            assertThat(untrusted.fetch(url).block(Duration.ofSeconds(10)).kind()).isEqualTo(Kind.TLS);
            assertThat(proxy.targets()).containsOnly("127.0.0.1:" + tls.port()).hasSize(2);
        } finally {
            tls.disposeNow(Duration.ofSeconds(5));
        }
    }

    @Test
    void noProxyHostsGoDirect() throws Exception {
        try (TestProxy proxy = new TestProxy(TestProxy.Type.HTTP, null, null);
             FetchClient client = FetchClient.builder().httpProxy("127.0.0.1", proxy.port())
                     .noProxy("localhost", "127.0.0.*").build()) {
            assertThat(fetch(client).isSuccess()).isTrue();
            assertThat(proxy.connections()).isZero();
        }
    }

    @Test
    void proxiesAreRefusedWhileTheGuardIsOn() {
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder().blockPrivateAddresses()
                        .httpProxy("127.0.0.1", 3128).build())
                .withMessageStartingWith("proxy: combined with blockPrivateAddresses()");
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder().socks5Proxy("h", 0))
                .withMessage("proxy port: 0 (expected: 1-65535)");
    }

    @Test
    void theProxyPasswordIsNeverPrinted() {
        dev.fanout.internal.ProxyOptions p = new dev.fanout.internal.ProxyOptions(false, "proxy", 3128, "alice",
                "pr0xy-secret", java.util.List.of());
        assertThat(p.toString()).doesNotContain("pr0xy-secret").contains("alice");
    }
}
