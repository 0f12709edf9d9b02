package dev.fanout.protocol;

import com.aayushatharva.brotli4j.encoder.BrotliOutputStream;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.fanout.FetchClient;
import dev.fanout.FetchResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;

/**
 * Run in its own small-heap JVM by {@link CompressionBombTest}: serves a body in {@code args[0]}
 * (gzip, br or zstd) that decodes to {@code args[1]} MiB of zeros and fetches it with a 1 MiB body
 * limit. The zstd frame declares its decoded size in its header, the worst case for a decoder that
 * sizes its buffer from it. Prints {@code kind=... compressed=... peakHeapMiB=...} and exits 0.
 */
public final class DecompressionBombMain {

    public static void main(String[] args) throws Exception {
        String encoding = args[0];
        long inflatedMiB = Long.parseLong(args[1]);
        byte[] bomb = compress(encoding, inflatedMiB);
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .handle((req, res) -> res.header(HttpHeaderNames.CONTENT_ENCODING, encoding)
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
            if (r.kind() != dev.fanout.FetchException.Kind.BODY_TOO_LARGE) {
                r.error().ifPresent(e -> e.printStackTrace(System.out));
            }
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        server.disposeNow(Duration.ofSeconds(5));
        System.out.println("kind=" + kind + " compressed=" + bomb.length + " peakHeapMiB=" + peak / (1024 * 1024));
        System.exit(0);
    }

    /** {@code mib} MiB of zeros in {@code encoding}, compressed a MiB at a time (the input is never held whole). */
    static byte[] compress(String encoding, long mib) throws IOException {
        byte[] zeros = new byte[1024 * 1024];
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        switch (encoding) {
            case "gzip" -> {
                try (GZIPOutputStream gz = new GZIPOutputStream(compressed, 64 * 1024)) {
                    writeZeros(gz, zeros, mib);
                }
            }
            case "br" -> {
                com.aayushatharva.brotli4j.Brotli4jLoader.ensureAvailability(); // the encoder's native half
                try (OutputStream br = new BrotliOutputStream(compressed, new Encoder.Parameters().setQuality(1))) {
                    writeZeros(br, zeros, mib);
                }
            }
            case "zstd" -> {
                try (ZstdCompressCtx ctx = new ZstdCompressCtx().setLevel(1).setContentSize(true)) {
                    ctx.setPledgedSrcSize(mib * zeros.length); // the frame header says how big it decodes
                    ByteBuffer in = ByteBuffer.allocateDirect(zeros.length);
                    ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
                    for (long i = 0; i < mib; i++) {
                        in.clear();
                        in.put(zeros).flip();
                        boolean last = i == mib - 1;
                        boolean done;
                        do {
                            done = ctx.compressDirectByteBufferStream(out, in, last ? EndDirective.END : EndDirective.CONTINUE);
                            out.flip();
                            byte[] chunk = new byte[out.remaining()];
                            out.get(chunk);
                            compressed.write(chunk);
                            out.clear();
                        } while (in.hasRemaining() || (last && !done));
                    }
                }
            }
            default -> throw new IllegalArgumentException(encoding);
        }
        return compressed.toByteArray();
    }

    private static void writeZeros(OutputStream out, byte[] zeros, long mib) throws IOException {
        for (long i = 0; i < mib; i++) {
            out.write(zeros);
        }
    }
}
