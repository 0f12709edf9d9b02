package dev.fanout.internal;

import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;

/**
 * TLS configuration, frozen. Null fields mean "not given": the JDK trust store, no client certificate.
 *
 * @param trustPem CA certificates (PEM) to trust instead of the JDK trust store
 * @param trustStore a key store of CA certificates to trust instead of the JDK trust store
 * @param clientCertPem the client certificate chain (PEM), with {@code clientKeyPem}
 * @param clientKeyPem the client's PKCS#8 private key (PEM)
 * @param clientKeyStore a key store holding the client's key and certificate chain
 * @param clientKeyPassword the password of {@code clientKeyStore}'s key
 * @param handshakeTimeout longest TLS handshake
 * @param insecure trust any certificate and skip host name verification
 */
public record TlsOptions(Path trustPem, KeyStore trustStore, Path clientCertPem, Path clientKeyPem,
                         KeyStore clientKeyStore, char[] clientKeyPassword, Duration handshakeTimeout,
                         boolean insecure) {

    /** Default TLS handshake timeout (Reactor Netty's own default as well). */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** Verified against the JDK trust store, no client certificate, 10 s handshake. */
    public static final TlsOptions DEFAULTS = new TlsOptions(null, null, null, null, null, null,
            DEFAULT_HANDSHAKE_TIMEOUT, false);

    @Override
    public String toString() {
        return "TlsOptions[trustPem=" + trustPem + ", trustStore=" + (trustStore != null) + ", clientCertPem="
                + clientCertPem + ", clientKeyStore=" + (clientKeyStore != null) + ", handshakeTimeout="
                + handshakeTimeout + ", insecure=" + insecure + "]";
    }
}
