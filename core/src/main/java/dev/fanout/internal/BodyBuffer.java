package dev.fanout.internal;

import dev.fanout.FetchException.Kind;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.Arrays;

/**
 * Copies a response body out of Netty's buffers as they arrive, up to a limit. Reactor Netty
 * releases each buffer after it has been handed over, so nothing here holds a Netty buffer, and
 * a body over the limit fails at the chunk that crosses it without reading the rest.
 */
final class BodyBuffer {

    private static final byte[] EMPTY = new byte[0];
    /** A declared length is trusted up to 1 MiB up front (most bodies: one exact allocation, no copy), so a lying server cannot make us allocate 16 MiB for nothing. */
    private static final int INITIAL_MAX = 1024 * 1024;

    private final int limit;
    private final int status;
    private final HttpHeaders headers;
    private final long expectedLength;
    private byte[] bytes;
    private int size;

    /**
     * A declared length gets its array up front. An unknown one (a chunked body) gets none until its first
     * chunk, which for a small body is often all of it: then the body costs one array of its exact size, where
     * a guess would have cost 8 KiB and a final copy.
     *
     * @param expectedLength the Content-Length, or -1 when unknown
     */
    BodyBuffer(int limit, long expectedLength, int status, HttpHeaders headers) {
        this.limit = limit;
        this.status = status;
        this.headers = headers;
        this.expectedLength = expectedLength;
        this.bytes = expectedLength > 0 ? new byte[(int) Math.min(Math.min(expectedLength, INITIAL_MAX), limit)] : EMPTY;
    }

    BodyBuffer append(ByteBuf chunk) {
        int n = chunk.readableBytes();
        if (n == 0) {
            return this;
        }
        if ((long) size + n > limit) {
            throw tooLarge(limit, status, headers);
        }
        if (size + n > bytes.length) {
            // the first chunk of an unknown length: exactly its size; after that, doubling
            long target = Math.max((long) bytes.length * 2, size + n);
            if (expectedLength >= size + n) {
                target = Math.min(target, expectedLength); // grow straight to the declared length, no final copy
            }
            bytes = Arrays.copyOf(bytes, (int) Math.min(target, limit));
        }
        chunk.getBytes(chunk.readerIndex(), bytes, size, n);
        size += n;
        return this;
    }

    byte[] toBytes() {
        return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
    }

    static ResponseFailure tooLarge(int limit, int status, HttpHeaders headers) {
        return new ResponseFailure(Kind.BODY_TOO_LARGE, status, headers,
                "response body exceeds " + limit + " bytes (maxBodySize)");
    }
}
