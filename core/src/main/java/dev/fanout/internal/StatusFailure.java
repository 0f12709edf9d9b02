package dev.fanout.internal;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * A response whose status the retry policy retries, turned into an error signal inside the
 * attempt so that the retry stage ({@link Retrying}) sees it; when no retry follows, it turns back into an
 * HTTP_STATUS result with this status, headers and body. Internal signal: no stack trace.
 */
final class StatusFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final transient ExchangeResponse response;
    /** Where the redirects (if any) led, so that a final failure still reports the last URL and hops. */
    final transient RedirectFollower.Followed followed;

    StatusFailure(ExchangeResponse response) {
        this(response, null);
    }

    StatusFailure(ExchangeResponse response, RedirectFollower.Followed followed) {
        super("status " + response.status(), null, false, false);
        this.response = response;
        this.followed = followed;
    }

    int status() {
        return response.status();
    }

    HttpHeaders headers() {
        return response.headers();
    }
}
