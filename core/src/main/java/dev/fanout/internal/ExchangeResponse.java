package dev.fanout.internal;

import io.netty.handler.codec.http.HttpHeaders;

/** What one exchange brought back: status, headers and the whole (size-limited, decoded) body. */
public record ExchangeResponse(int status, HttpHeaders headers, byte[] body) {
}
