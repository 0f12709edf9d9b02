package dev.fanout.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.Brotli;
import io.netty.handler.codec.compression.Zstd;
import io.netty.handler.codec.compression.ZstdDecoder;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpHeaderValues;
import reactor.netty.NettyPipeline;

/**
 * The content codings Fanout asks for and decodes.
 *
 * <p>Reactor Netty's {@code compress(true)} installs Netty's {@link HttpContentDecompressor}, which
 * decodes gzip and deflate always, {@code br} when brotli4j and its native library load
 * ({@link Brotli#isAvailable()}) and {@code zstd} when zstd-jni loads ({@link Zstd#isAvailable()});
 * but it asks only for {@code gzip} (and {@code br}, as a second header line). Fanout sends one
 * {@code Accept-Encoding} that lists exactly what the decompressor on this classpath can decode, so a
 * server is never offered a coding that would come back undecoded.
 *
 * <p>zstd needs one more thing. Reactor Netty hands the decompressor no allocation bound, and with
 * none Netty's {@link ZstdDecoder} allocates one heap buffer of the size a frame header declares: 30
 * bytes on the wire that declare a gigabyte are a gigabyte allocated before the body limit sees a
 * byte (an {@code OutOfMemoryError} in the test's 32 MiB heap). Where zstd is available, each
 * connection's decompressor is therefore swapped, before its first request is written, for
 * {@link Decompressor}: the same but for zstd, which it decodes in pieces of at most
 * {@value #ZSTD_PIECE} bytes with a window of at most 8 MiB (RFC 9659 §3: the {@code zstd} content
 * coding's limit, which browsers apply too; a frame that needs more is refused as corrupt rather than
 * given up to 128 MiB of native memory). gzip, deflate and br already decode in bounded pieces.
 */
public final class ContentCodings {

    /** Decoded bytes per zstd piece handed on: the body limit is checked at least this often. */
    static final int ZSTD_PIECE = 64 * 1024;
    /** 2^23 = 8 MiB, the largest window the {@code zstd} content coding may use (RFC 9659). */
    static final int ZSTD_MAX_WINDOW_LOG = 23;

    private static final boolean BROTLI = Brotli.isAvailable();
    private static final boolean ZSTD = Zstd.isAvailable();
    private static final String ACCEPT_ENCODING = "gzip, deflate" + (BROTLI ? ", br" : "") + (ZSTD ? ", zstd" : "");

    private ContentCodings() {
    }

    /** {@code gzip, deflate}, then {@code br} and {@code zstd} when their decoders are available. */
    public static String acceptEncoding() {
        return ACCEPT_ENCODING;
    }

    /** Whether connections need {@link #boundZstd}: zstd is decoded here. */
    static boolean zstd() {
        return ZSTD;
    }

    /**
     * Swaps the connection's (or HTTP/2 stream's) decompressor for {@link Decompressor}, once. Called
     * when a connection is set up (HTTP/1.1 only: its pipeline is complete then) and, when HTTP/2 is on,
     * before each request is written (streams, and connections whose protocol ALPN picks later);
     * between two responses the decompressor holds no state.
     */
    static void boundZstd(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        ChannelHandler current = pipeline.get(NettyPipeline.HttpDecompressor);
        if (current != null && !(current instanceof Decompressor)) {
            pipeline.replace(NettyPipeline.HttpDecompressor, NettyPipeline.HttpDecompressor, new Decompressor());
        }
    }

    /** Netty's decompressor as Reactor Netty configures it (lenient deflate, no bound), but zstd bounded. */
    static final class Decompressor extends HttpContentDecompressor {

        Decompressor() {
            super(false, 0);
        }

        @Override
        protected EmbeddedChannel newContentDecoder(String contentEncoding) throws Exception {
            if (HttpHeaderValues.ZSTD.contentEqualsIgnoreCase(contentEncoding)) {
                Channel channel = ctx.channel();
                return EmbeddedChannel.builder().channelId(channel.id())
                        .hasDisconnect(channel.metadata().hasDisconnect()).config(channel.config())
                        .handlers(new ZstdDecoder(ZSTD_PIECE, ZSTD_MAX_WINDOW_LOG)).build();
            }
            return super.newContentDecoder(contentEncoding);
        }
    }
}
