package dev.fanout.internal;

import dev.fanout.FetchException.Kind;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * A failure that happened after the response headers arrived (the body was too large, say), so
 * that the result can still carry the status and headers. Internal signal: no stack trace.
 */
final class ResponseFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final Kind kind;
    final transient int status;
    final transient HttpHeaders headers;

    ResponseFailure(Kind kind, int status, HttpHeaders headers, String detail) {
        super(detail, null, false, false);
        this.kind = kind;
        this.status = status;
        this.headers = headers;
    }
}
