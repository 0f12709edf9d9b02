package dev.fanout.internal;

import dev.fanout.FetchException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BodyBufferTest {

    private static final int LIMIT = 1 << 20;
    private static final long UNKNOWN = -1;

    @Test
    void aSmallChunkedBodyCostsOneArrayOfItsOwnSizeNotAGuess() {
        byte[] body = "{\"slept\":100}\n".getBytes(StandardCharsets.US_ASCII);
        ByteBuf chunk = Unpooled.wrappedBuffer(body);
        try {
            Supplier<byte[]> read = () -> new BodyBuffer(LIMIT, UNKNOWN, 200, EmptyHttpHeaders.INSTANCE)
                    .append(chunk).toBytes();
            assertThat(read.get()).isEqualTo(body);

            // a 14-byte body used to cost an 8 KiB array and a copy; now a few dozen bytes
            assertThat(allocatedPerCall(read)).isLessThan(256);
        } finally {
            chunk.release();
        }
    }

    @Test
    void aChunkedBodyInManyPiecesIsReassembledExactly() {
        byte[] body = new byte[50_000];
        Arrays.fill(body, (byte) 'x');
        body[0] = 'a';
        body[body.length - 1] = 'z';
        BodyBuffer buffer = new BodyBuffer(LIMIT, UNKNOWN, 200, EmptyHttpHeaders.INSTANCE);
        int[] pieces = {1, 7, 1024, 8192, 8192, 16_000};
        int at = 0;
        for (int piece : pieces) {
            append(buffer, Arrays.copyOfRange(body, at, at + piece));
            at += piece;
        }
        append(buffer, Arrays.copyOfRange(body, at, body.length));

        assertThat(buffer.toBytes()).isEqualTo(body);
    }

    @Test
    void aDeclaredLengthIsOneExactArray() {
        byte[] body = new byte[1_000];
        Arrays.fill(body, (byte) 'y');
        ByteBuf half = Unpooled.wrappedBuffer(body, 0, 500);
        ByteBuf rest = Unpooled.wrappedBuffer(body, 500, 500);
        try {
            Supplier<byte[]> read = () -> new BodyBuffer(LIMIT, body.length, 200, EmptyHttpHeaders.INSTANCE)
                    .append(half).append(rest).toBytes();
            assertThat(read.get()).isEqualTo(body);
            assertThat(allocatedPerCall(read)).isLessThan(body.length + 256);
        } finally {
            half.release();
            rest.release();
        }
    }

    @Test
    void anEmptyBodyOfUnknownLengthIsEmpty() {
        assertThat(new BodyBuffer(LIMIT, UNKNOWN, 204, EmptyHttpHeaders.INSTANCE).toBytes()).isEmpty();
        assertThat(new BodyBuffer(LIMIT, 0, 200, EmptyHttpHeaders.INSTANCE).toBytes()).isEmpty();
    }

    @Test
    void theChunkThatCrossesTheLimitFailsAsBodyTooLarge() {
        BodyBuffer buffer = new BodyBuffer(100, UNKNOWN, 200, EmptyHttpHeaders.INSTANCE);
        append(buffer, new byte[60]);

        ByteBuf over = Unpooled.wrappedBuffer(new byte[41]);
        try {
            assertThatThrownBy(() -> buffer.append(over))
                    .isInstanceOfSatisfying(ResponseFailure.class,
                            f -> assertThat(f.kind).isEqualTo(FetchException.Kind.BODY_TOO_LARGE))
                    .hasMessageContaining("exceeds 100 bytes");
        } finally {
            over.release();
        }
    }

    @Test
    void aBodyExactlyAtTheLimitIsRead() {
        BodyBuffer buffer = new BodyBuffer(100, UNKNOWN, 200, EmptyHttpHeaders.INSTANCE);
        append(buffer, new byte[60]);
        append(buffer, new byte[40]);

        assertThat(buffer.toBytes()).hasSize(100);
    }

    @Test
    void aContentLengthThatLiesEitherWayStillGivesTheBytesThatCame() {
        byte[] body = new byte[3_000];
        Arrays.fill(body, (byte) 'q');

        BodyBuffer claimsMore = new BodyBuffer(LIMIT, 10_000, 200, EmptyHttpHeaders.INSTANCE);
        append(claimsMore, body);
        assertThat(claimsMore.toBytes()).isEqualTo(body);

        BodyBuffer claimsLess = new BodyBuffer(LIMIT, 1_000, 200, EmptyHttpHeaders.INSTANCE);
        append(claimsLess, Arrays.copyOfRange(body, 0, 1_000));
        append(claimsLess, Arrays.copyOfRange(body, 1_000, 3_000));
        assertThat(claimsLess.toBytes()).isEqualTo(body);
    }

    private static void append(BodyBuffer buffer, byte[] piece) {
        ByteBuf chunk = Unpooled.wrappedBuffer(piece);
        try {
            buffer.append(chunk);
        } finally {
            chunk.release();
        }
    }

    /** Heap bytes this thread allocates per call, over many calls (after a few to load and link everything). */
    private static long allocatedPerCall(Supplier<byte[]> call) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int i = 0; i < 100; i++) {
            sink += call.get().length;
        }
        int calls = 1_000;
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < calls; i++) {
            sink += call.get().length;
        }
        long after = threads.getCurrentThreadAllocatedBytes();
        assertThat(sink).isPositive();
        return (after - before) / calls;
    }
}
