package dev.fanout.internal;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.client.HttpClient;
import reactor.netty.tcp.AbstractProtocolSslContextSpec;
import reactor.util.Logger;
import reactor.util.Loggers;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.security.GeneralSecurityException;
import java.util.function.Consumer;

/**
 * Builds the client's TLS context once, from {@link TlsOptions}: verified by default (JDK trust
 * store, host name verification on — Netty 4.2's and Reactor Netty's default, set here explicitly
 * so that no later default change can switch it off), custom trust, client certificates, the
 * handshake timeout, and {@code insecure} with one warning per client. SNI is Reactor Netty's:
 * the URL's host name is sent (not for IP literals, as RFC 6066 says).
 */
final class TlsConfig {

    private TlsConfig() {
    }

    /**
     * The client's TLS context, built once (so a bad file fails {@code build()}, not a request).
     *
     * @param h2 whether to offer HTTP/2 by ALPN
     * @throws IllegalArgumentException if a certificate, key or store cannot be read
     */
    static SslContext context(TlsOptions tls, boolean h2) {
        Consumer<SslContextBuilder> configure = builder -> configure(builder, tls);
        AbstractProtocolSslContextSpec<?> spec = h2 ? Http2SslContextSpec.forClient().configure(configure)
                : Http11SslContextSpec.forClient().configure(configure);
        try {
            return spec.sslContext();
        } catch (Exception e) {
            throw new IllegalArgumentException("TLS configuration: " + e.getMessage(), e);
        }
    }

    /** Applies TLS to {@code client}: used for https URLs only, Reactor Netty sends http URLs in clear text. */
    static HttpClient apply(HttpClient client, SslContext context, TlsOptions tls) {
        if (tls.insecure()) {
            Logger log = Loggers.getLogger(TlsConfig.class); // looked up per client, so tests can capture it
            log.warn("fanout: TLS certificate and host name verification are OFF for this client (insecure()); "
                    + "use it only against servers you control");
        }
        return client.secure(ssl -> ssl.sslContext(context).handshakeTimeout(tls.handshakeTimeout()));
    }

    private static void configure(SslContextBuilder builder, TlsOptions tls) {
        try {
            if (tls.insecure()) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            } else {
                builder.endpointIdentificationAlgorithm("HTTPS");
                if (tls.trustPem() != null) {
                    builder.trustManager(tls.trustPem().toFile());
                } else if (tls.trustStore() != null) {
                    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    tmf.init(tls.trustStore());
                    builder.trustManager(tmf);
                }
            }
            if (tls.clientCertPem() != null) {
                builder.keyManager(tls.clientCertPem().toFile(), tls.clientKeyPem().toFile());
            } else if (tls.clientKeyStore() != null) {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(tls.clientKeyStore(), tls.clientKeyPassword());
                builder.keyManager(kmf);
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS configuration: " + e.getMessage(), e);
        }
    }
}
