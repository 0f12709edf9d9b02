package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchResult;
import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Decoded bytes count against the body limit: a gzip, br or zstd bomb ends as BODY_TOO_LARGE in a 32 MiB heap (a forked JVM). */
class CompressionBombTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    /** gzip, and br and zstd, whose decoders are on the test classpath (the zstd frame declares its 1 GiB size). */
    @ParameterizedTest
    @ValueSource(strings = {"gzip", "br", "zstd"})
    void aBombInflatingToOneGibEndsAsBodyTooLargeInASmallHeap(String encoding) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(List.of(java, "-Xmx32m", "-XX:MaxDirectMemorySize=64m",
                "-Dio.netty.maxDirectMemory=0", "-cp", System.getProperty("java.class.path"),
                DecompressionBombMain.class.getName(), encoding, "1024"))
                .redirectErrorStream(true).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertThat(done).as(out).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("kind=BODY_TOO_LARGE").doesNotContain("OutOfMemoryError");
        String compressed = out.replaceAll("(?s).*compressed=(\\d+).*", "$1");
        assertThat(Long.parseLong(compressed)).isLessThan(2L * 1024 * 1024); // at most about 1 MB on the wire
        System.out.println(encoding + " bomb: " + out.trim());
    }

    @Test
    void acceptEncodingIsSentAndSmallGzipBodiesAreDecoded() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = client.fetch(server.url("/echo")).block(Duration.ofSeconds(10));
            assertThat(r.json().get("headers").get("accept-encoding").asText()).contains("gzip");
        }
    }
}
