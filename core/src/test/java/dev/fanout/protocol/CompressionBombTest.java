package dev.fanout.protocol;

import dev.fanout.testing.ForkedJvm;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Decoded bytes count against the body limit: a gzip, br or zstd bomb ends as BODY_TOO_LARGE in a 32 MiB heap (a forked JVM). */
class CompressionBombTest {

    /** gzip, and br and zstd, whose decoders are on the test classpath (the zstd frame declares its 1 GiB size). */
    @ParameterizedTest
    @ValueSource(strings = {"gzip", "br", "zstd"})
    void aBombInflatingToOneGibEndsAsBodyTooLargeInASmallHeap(String encoding) throws Exception {
        ForkedJvm.Outcome run = ForkedJvm.run(Duration.ofSeconds(120),
                List.of("-Xmx32m", "-XX:MaxDirectMemorySize=64m", "-Dio.netty.maxDirectMemory=0"),
                System.getProperty("java.class.path"), DecompressionBombMain.class, encoding, "1024");
        String out = run.output();
        assertThat(run.ended()).as(out).isTrue();
        assertThat(run.exitCode()).as(out).isZero();
        assertThat(out).contains("kind=BODY_TOO_LARGE").doesNotContain("OutOfMemoryError");
        String compressed = out.replaceAll("(?s).*compressed=(\\d+).*", "$1");
        assertThat(Long.parseLong(compressed)).isLessThan(2L * 1024 * 1024); // 1–1.4 MB on the wire
        System.out.println(encoding + " bomb: " + out.trim());
    }
}
