package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;

/**
 * Run in its own small-heap JVM by {@link CompressionBombTest}: serves a gzip body that inflates
 * to {@code args[0]} MiB of zeros and fetches it with a 1 MiB body limit. Prints
 * {@code kind=... compressed=... peakHeapMiB=...} and exits 0.
 */
public final class GzipBombMain {

    public static void main(String[] args) throws Exception {
        long inflatedMiB = Long.parseLong(args[0]);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(compressed, 64 * 1024)) {
            byte[] zeros = new byte[1024 * 1024];
            for (long i = 0; i < inflatedMiB; i++) {
                gz.write(zeros);
            }
        }
        byte[] bomb = compressed.toByteArray();
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .handle((req, res) -> res.header(HttpHeaderNames.CONTENT_ENCODING, "gzip")
                        .header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(bomb.length))
                        // 16 KiB writes, like a real server, not one giant buffer
                        .sendByteArray(Flux.range(0, (bomb.length + 16383) / 16384).map(i -> java.util.Arrays.copyOfRange(
                                bomb, i * 16384, Math.min(bomb.length, (i + 1) * 16384)))))
                .bindNow(Duration.ofSeconds(10));
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        String kind;
        try (FetchClient client = FetchClient.builder().maxBodySize(1024 * 1024).build()) {
            FetchResult r = client.fetch("http://127.0.0.1:" + server.port() + "/bomb").block(Duration.ofSeconds(60));
            kind = String.valueOf(r.kind());
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        server.disposeNow(Duration.ofSeconds(5));
        System.out.println("kind=" + kind + " compressed=" + bomb.length + " peakHeapMiB=" + peak / (1024 * 1024));
        Mono.empty().block();
        System.exit(0);
    }
}
