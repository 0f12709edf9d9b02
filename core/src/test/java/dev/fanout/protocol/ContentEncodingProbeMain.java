package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchResult;
import io.netty.handler.codec.compression.Brotli;
import io.netty.handler.codec.compression.Zstd;

import java.time.Duration;

/**
 * Run by {@link ContentEncodingTest} in a JVM whose classpath lacks brotli4j and zstd-jni: fetches
 * {@code args[0]} (which answers with the Accept-Encoding it received) and {@code args[1]} (a zstd
 * body), prints what it saw and exits 0.
 */
public final class ContentEncodingProbeMain {

    public static void main(String[] args) {
        System.out.println("brotli=" + Brotli.isAvailable() + " zstd=" + Zstd.isAvailable());
        try (FetchClient client = FetchClient.create()) {
            FetchResult ae = client.fetch(args[0]).block(Duration.ofSeconds(20));
            System.out.println("accept-encoding=" + ae.bodyAsString());
            FetchResult zstd = client.fetch(args[1]).block(Duration.ofSeconds(20));
            System.out.println("zstd-body content-encoding=" + zstd.header("Content-Encoding") + " sha="
                    + sha(zstd.body()));
        }
        System.exit(0);
    }

    /** Here, not in the test class, whose initializer needs the libraries this JVM lacks. */
    static String sha(byte[] bytes) {
        try {
            return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
