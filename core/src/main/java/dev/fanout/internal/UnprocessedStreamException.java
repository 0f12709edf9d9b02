package dev.fanout.internal;

import java.io.IOException;

/**
 * The server said, with a GOAWAY, that it did not process the request's HTTP/2 stream (RFC 9113
 * section 6.8): the stream's id was above the GOAWAY's last-stream-id, or the stream was not yet
 * opened. Classified as {@code CONNECTION_CLOSED} with {@code FetchException.neverProcessed()} true.
 * Its cause is what Reactor Netty reported. No stack trace.
 */
public final class UnprocessedStreamException extends IOException {

    private static final long serialVersionUID = 1L;

    UnprocessedStreamException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
