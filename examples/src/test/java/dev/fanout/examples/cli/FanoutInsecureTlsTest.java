package dev.fanout.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** --insecure against a local HTTPS server whose self-signed certificate no trust store knows. */
class FanoutInsecureTlsTest {

    private static DisposableServer server;

    @BeforeAll
    static void start() throws Exception {
        X509Bundle selfSigned = new CertificateBuilder().subject("CN=127.0.0.1").addSanIpAddress("127.0.0.1")
                .ecp256().setIsCertificateAuthority(true).buildSelfSigned();
        Http11SslContextSpec spec = Http11SslContextSpec.forServer(selfSigned.getKeyPair().getPrivate(),
                selfSigned.getCertificatePath());
        server = HttpServer.create().host("127.0.0.1").port(0).secure(s -> s.sslContext(spec))
                .handle((req, res) -> res.sendString(Mono.just("over tls")))
                .bindNow(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        server.disposeNow(Duration.ofSeconds(5));
    }

    @Test
    void aSelfSignedCertificateIsATlsFailureUnlessInsecureIsAsked() {
        String url = "https://127.0.0.1:" + server.port() + "/";

        JsonNode verified = CliRun.of(url, "--progress", "none").lines().get(0);
        CliRun insecure = CliRun.of(url, "--insecure", "--progress", "none");

        assertThat(verified.get("ok").asBoolean()).isFalse();
        assertThat(verified.get("kind").asText()).isEqualTo("TLS");
        assertThat(verified.get("attempts").asInt()).isEqualTo(1);
        assertThat(insecure.status()).isZero();
        JsonNode line = insecure.lines().get(0);
        assertThat(line.get("ok").asBoolean()).as(line.toString()).isTrue();
        assertThat(line.get("bytes").asInt()).isEqualTo("over tls".length());
    }
}
