package dev.fanout.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.FetchClient;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.testing.CountingServer;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Fanout's redirect policy across two ports (and a TLS one), credentials checked at the second. */
class RedirectTest {

    static DisposableServer a;
    static DisposableServer b;
    static DisposableServer tls;
    static Path caPem;
    static final AtomicInteger hitsB = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        a = server(null, null);
        b = server(null, hitsB);
        X509Bundle ca = new CertificateBuilder().subject("CN=CA").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        X509Bundle leaf = new CertificateBuilder().subject("CN=127.0.0.1").addSanIpAddress("127.0.0.1").ecp256()
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        caPem = ca.toTempRootCertPem().toPath();
        tls = server(Http11SslContextSpec.forServer(leaf.getKeyPair().getPrivate(), leaf.getCertificatePath()), null);
    }

    @AfterAll
    static void stop() {
        a.disposeNow(Duration.ofSeconds(5));
        b.disposeNow(Duration.ofSeconds(5));
        tls.disposeNow(Duration.ofSeconds(5));
    }

    /** /to?status=302&url=...: a redirect; /chain/{n}: n more hops on the same server; /loop; /echo. */
    private static DisposableServer server(Http11SslContextSpec ssl, AtomicInteger hits) {
        HttpServer s = HttpServer.create().host("127.0.0.1").port(0).handle(RedirectTest::handle);
        if (hits != null) {
            s = s.handle((req, res) -> {
                hits.incrementAndGet();
                return handle(req, res);
            });
        }
        if (ssl != null) {
            s = s.secure(spec -> spec.sslContext(ssl));
        }
        return s.bindNow(Duration.ofSeconds(10));
    }

    private static org.reactivestreams.Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        String path = q.path();
        if (path.equals("/to")) {
            int status = Integer.parseInt(q.parameters().get("status").get(0));
            return res.status(HttpResponseStatus.valueOf(status))
                    .header(HttpHeaderNames.LOCATION, q.parameters().get("url").get(0)).send();
        }
        if (path.startsWith("/chain/")) {
            int n = Integer.parseInt(path.substring(7));
            return n == 0 ? res.sendString(Mono.just("end of chain"))
                    : res.status(302).header(HttpHeaderNames.LOCATION, "/chain/" + (n - 1)).send();
        }
        if (path.equals("/loop")) {
            return res.status(301).header(HttpHeaderNames.LOCATION, "/loop").send();
        }
        return req.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("").flatMap(body -> {
            StringBuilder json = new StringBuilder("{\"method\":\"").append(req.method().name()).append("\",\"body\":\"")
                    .append(body).append("\",\"headers\":{");
            boolean first = true;
            for (Map.Entry<String, String> h : req.requestHeaders()) {
                json.append(first ? "" : ",").append('"').append(h.getKey().toLowerCase()).append("\":\"")
                        .append(h.getValue().replace("\"", "'")).append('"');
                first = false;
            }
            return res.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .sendString(Mono.just(json.append("}}").toString())).then();
        });
    }

    private static String url(DisposableServer s, String path) {
        return (s == tls ? "https" : "http") + "://127.0.0.1:" + s.port() + path;
    }

    private static String to(DisposableServer from, int status, String target) {
        return url(from, "/to?status=" + status + "&url=" + URLEncoder.encode(target, StandardCharsets.UTF_8));
    }

    private static FetchResult fetch(FetchClient client, FetchRequest request) {
        return client.fetch(request).block(Duration.ofSeconds(10));
    }

    @Test
    void credentialsAreDroppedWhenTheOriginChanges() {
        hitsB.set(0);
        try (FetchClient client = FetchClient.builder().defaultHeader("Authorization", "Bearer default-token").build()) {
            String start = to(a, 302, url(b, "/echo")).replace("http://", "http://user:pw@");
            FetchResult r = fetch(client, FetchRequest.get(start).header("Cookie", "sid=1")
                    .header("Proxy-Authorization", "Basic eHl6").header("X-Keep", "kept"));

            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.redirects()).isEqualTo(1);
            assertThat(r.url()).isEqualTo(url(b, "/echo"));
            JsonNode headers = r.json().get("headers");
            assertThat(headers.has("authorization")).isFalse();
            assertThat(headers.has("cookie")).isFalse();
            assertThat(headers.has("proxy-authorization")).isFalse();
            assertThat(headers.get("x-keep").asText()).isEqualTo("kept");
            assertThat(hitsB.get()).isEqualTo(1);
        }
    }

    @Test
    void credentialsAreKeptOnTheSameOrigin() {
        try (FetchClient client = FetchClient.builder().defaultHeader("Authorization", "Bearer default-token").build()) {
            FetchResult r = fetch(client, FetchRequest.get(to(a, 307, "/echo")).header("Cookie", "sid=1"));

            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.json().get("headers").get("authorization").asText()).isEqualTo("Bearer default-token");
            assertThat(r.json().get("headers").get("cookie").asText()).isEqualTo("sid=1");
        }
    }

    @Test
    void seeOtherBecomesGetAndDropsTheBody() {
        try (FetchClient client = FetchClient.create()) {
            for (int status : new int[] {303, 302, 301}) {
                FetchResult r = fetch(client, FetchRequest.post(to(a, status, "/echo")).body("payload".getBytes(), "text/plain"));
                assertThat(r.isSuccess()).as(r.toString()).isTrue();
                assertThat(r.json().get("method").asText()).as("" + status).isEqualTo("GET");
                assertThat(r.json().get("body").asText()).isEmpty();
                assertThat(r.json().get("headers").has("content-type")).isFalse();
            }
        }
    }

    @Test
    void temporaryAndPermanentRedirectKeepMethodAndBody() {
        try (FetchClient client = FetchClient.create()) {
            for (int status : new int[] {307, 308}) {
                FetchResult r = fetch(client, FetchRequest.post(to(a, status, url(b, "/echo"))).body("payload".getBytes(), "text/plain"));
                assertThat(r.isSuccess()).as(r.toString()).isTrue();
                assertThat(r.json().get("method").asText()).isEqualTo("POST");
                assertThat(r.json().get("body").asText()).isEqualTo("payload");
            }
        }
    }

    @Test
    void tenHopsAreFollowedAndTheEleventhIsTooMany() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult ten = fetch(client, FetchRequest.get(url(a, "/chain/10")));
            assertThat(ten.isSuccess()).as(ten.toString()).isTrue();
            assertThat(ten.redirects()).isEqualTo(10);
            assertThat(ten.url()).isEqualTo(url(a, "/chain/0"));

            FetchResult eleven = fetch(client, FetchRequest.get(url(a, "/chain/11")));
            assertThat(eleven.kind()).isEqualTo(Kind.TOO_MANY_REDIRECTS);
            assertThat(eleven.error().orElseThrow().getMessage()).contains("more than 10 redirects");
            dev.fanout.testing.PoolAssertions.assertPoolQuiet(client); // every hop gave its connection and permit back
        }
        try (FetchClient client = FetchClient.builder().maxRedirects(2).build()) {
            assertThat(fetch(client, FetchRequest.get(url(a, "/chain/3"))).kind()).isEqualTo(Kind.TOO_MANY_REDIRECTS);
            assertThat(fetch(client, FetchRequest.get(url(a, "/chain/2"))).isSuccess()).isTrue();
        }
    }

    @Test
    void aLoopIsTooManyRedirectsAtOnce() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = fetch(client, FetchRequest.get(url(a, "/loop")));
            assertThat(r.kind()).isEqualTo(Kind.TOO_MANY_REDIRECTS);
            assertThat(r.error().orElseThrow().getMessage()).contains("redirect loop");
        }
    }

    @Test
    void followingCanBeTurnedOff() {
        try (FetchClient off = FetchClient.builder().followRedirects(false).build();
             FetchClient zero = FetchClient.builder().maxRedirects(0).build()) {
            for (FetchClient client : new FetchClient[] {off, zero}) {
                FetchResult r = fetch(client, FetchRequest.get(to(a, 302, "/echo")));
                assertThat(r.kind()).isEqualTo(Kind.HTTP_STATUS);
                assertThat(r.status()).isEqualTo(302);
                assertThat(r.header("Location")).isEqualTo("/echo");
                assertThat(r.redirects()).isZero();
            }
        }
    }

    @Test
    void httpsToHttpIsRefusedByDefault() {
        hitsB.set(0);
        try (FetchClient client = FetchClient.builder().trustCertificates(caPem).build()) {
            FetchResult r = fetch(client, FetchRequest.get(to(tls, 302, url(b, "/echo"))));
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.HTTP_STATUS);
            assertThat(r.status()).isEqualTo(302);
            assertThat(r.url()).startsWith("https://");
            assertThat(hitsB.get()).isZero();
        }
        try (FetchClient client = FetchClient.builder().trustCertificates(caPem).allowHttpsToHttpRedirects().build()) {
            FetchResult r = fetch(client, FetchRequest.get(to(tls, 302, url(b, "/echo"))));
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(hitsB.get()).isEqualTo(1);
        }
    }

    @Test
    void theGuardRechecksEveryHop() {
        try (CountingServer blocked = new CountingServer();
             FetchClient client = FetchClient.builder().blockPrivateAddresses().allowAddresses("127.0.0.1/32").build()) {
            // a is allow-listed; its redirect goes to metadata and to a spelling of 127.0.0.2 (not allow-listed)
            FetchResult meta = fetch(client, FetchRequest.get(to(a, 302, "http://169.254.169.254/latest/meta-data/")));
            assertThat(meta.kind()).as(meta.toString()).isEqualTo(Kind.BLOCKED_ADDRESS);

            FetchResult other = fetch(client, FetchRequest.get(to(a, 302, "http://0x7f.0.0.2:" + blocked.port() + "/")));
            assertThat(other.kind()).as(other.toString()).isEqualTo(Kind.BLOCKED_ADDRESS);
            assertThat(blocked.connections()).isZero();
        }
    }

    @Test
    void badLocationIsAProtocolFailure() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = fetch(client, FetchRequest.get(to(a, 302, "http://bad host/")));
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.PROTOCOL);
            FetchResult ftp = fetch(client, FetchRequest.get(to(a, 302, "ftp://127.0.0.1/x")));
            assertThat(ftp.kind()).as(ftp.toString()).isEqualTo(Kind.INVALID_REQUEST);
        }
    }
}
