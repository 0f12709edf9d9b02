package dev.fanout;

import java.util.Objects;

/**
 * Why one request failed: a {@link Kind} that says what happened, the request it happened to, and
 * the underlying cause.
 *
 * <p>Fanout never throws this for a batch; it arrives as {@link FetchResult#error()} on the result of
 * the request that failed. Messages name the kind, the method and the URL, then what happened:
 * <pre>{@code CONNECT_TIMEOUT GET http://127.0.0.1:8080/x: no connection after 5s}</pre>
 * URLs in messages never carry user info (credentials).
 */
public final class FetchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, with the behaviour that follows from it. */
    public enum Kind {
        /** The URL, a header or the body was rejected before anything was sent. */
        INVALID_REQUEST,
        /** The host name could not be resolved. */
        DNS,
        /** The connection was refused or could not be established. */
        CONNECT,
        /** The TLS handshake failed (untrusted certificate, wrong host name, protocol mismatch). */
        TLS,
        /** No connection within the connect timeout. */
        CONNECT_TIMEOUT,
        /** Connected, but the response headers, or the next piece of the body, did not come in time. */
        RESPONSE_TIMEOUT,
        /** The whole attempt (waiting for a connection, sending, headers and body) took too long. */
        REQUEST_TIMEOUT,
        /** The server closed or reset the connection before the response was complete. */
        CONNECTION_CLOSED,
        /** The response was not valid HTTP: garbage status line, broken chunking, headers over the limit. */
        PROTOCOL,
        /** A response arrived with a status the client does not accept (by default, anything but 2xx). */
        HTTP_STATUS,
        /** The response body was larger than the configured limit. */
        BODY_TOO_LARGE,
        /** The body could not be decoded as requested (for example, invalid JSON). */
        DECODE,
        /** The redirect chain was longer than allowed, or looped. */
        TOO_MANY_REDIRECTS,
        /** Refused by the private-address guard. */
        BLOCKED_ADDRESS,
        /** The batch deadline passed before this request finished. */
        DEADLINE,
        /** The request was cancelled, for example because the client was closed. */
        CANCELLED,
        /** Anything the classifier does not recognise; the cause says what it was. */
        UNEXPECTED;

        /** Whether this kind is one of the timeouts (connect, response, request, deadline). */
        public boolean isTimeout() {
            return this == CONNECT_TIMEOUT || this == RESPONSE_TIMEOUT || this == REQUEST_TIMEOUT || this == DEADLINE;
        }

        /**
         * Whether the request provably never reached the server, so that even a non-idempotent
         * request (POST, PATCH) may be sent again safely.
         */
        public boolean requestNeverSent() {
            return this == INVALID_REQUEST || this == DNS || this == CONNECT || this == CONNECT_TIMEOUT
                    || this == TLS || this == BLOCKED_ADDRESS;
        }

        /**
         * Whether a failure of this kind is transient and worth retrying by default (for idempotent
         * requests): connection failures, premature closes and connect or response timeouts.
         * {@link #HTTP_STATUS} depends on the status and is decided by the retry policy.
         */
        public boolean retryableByDefault() {
            return this == CONNECT || this == CONNECT_TIMEOUT || this == RESPONSE_TIMEOUT
                    || this == CONNECTION_CLOSED;
        }
    }

    private final Kind kind;
    private final String method;
    private final String url;
    private final int status;

    /**
     * Creates an exception whose message reads {@code KIND METHOD URL: detail}.
     *
     * @param kind what went wrong
     * @param method the request method, for the message
     * @param url the request URL, for the message (pass it without user info)
     * @param status the HTTP status when a response arrived, otherwise 0
     * @param detail what happened, in a few words
     * @param cause the underlying throwable, or {@code null}
     */
    public FetchException(Kind kind, String method, String url, int status, String detail, Throwable cause) {
        // No stack trace of its own: it is created by the pipeline, and the cause keeps the interesting one.
        super(kind + " " + method + " " + url + ": " + detail, cause, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.method = method;
        this.url = url;
        this.status = status;
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }

    /** The method of the failed request. */
    public String method() {
        return method;
    }

    /** The URL of the failed request, without user info. */
    public String url() {
        return url;
    }

    /**
     * Whether this is a {@link Kind#DNS} failure because the name server did not answer in time
     * (worth retrying), rather than because the name does not exist (NXDOMAIN, not worth retrying).
     */
    public boolean isDnsTimeout() {
        return kind == Kind.DNS && dev.fanout.internal.ErrorClassifier.isDnsTimeout(getCause());
    }

    /**
     * Whether the server said it did not process the request (a {@link Kind#CONNECTION_CLOSED}
     * failure): an HTTP/2 {@code REFUSED_STREAM} on the request's stream, or an HTTP/2 GOAWAY whose
     * last-stream-id is below the request's stream or that came before the stream was opened
     * (RFC 9113 sections 8.7 and 6.8). Such a request may be sent again whatever its method, on
     * another connection; the retry policy does so.
     */
    public boolean neverProcessed() {
        return kind == Kind.CONNECTION_CLOSED && dev.fanout.internal.ErrorClassifier.neverProcessed(getCause());
    }

    /** The HTTP status when a response arrived (for {@link Kind#HTTP_STATUS}, for example), otherwise 0. */
    public int status() {
        return status;
    }
}
