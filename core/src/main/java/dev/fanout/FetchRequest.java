package dev.fanout;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.type.TypeFactory;
import dev.fanout.internal.Redaction;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * One HTTP request to send: method, URL, headers, an optional body and optional per-request timeouts.
 *
 * <p>Immutable: every method that changes something returns a new instance and leaves this one as it
 * was, so a request can be shared and used as a template.
 * <pre>{@code
 * FetchRequest.post("https://api.example.com/items")
 *     .header("X-Trace", "abc")
 *     .json(Map.of("name", "widget"))
 *     .timeout(Duration.ofSeconds(5));
 * }</pre>
 *
 * <p>Nothing here validates the URL or the headers: a request with a bad URL is still a request, and
 * the client answers it with an {@link FetchException.Kind#INVALID_REQUEST} result for that item
 * alone, so one bad line never fails a batch. {@link #toString()} redacts credentials.
 */
public final class FetchRequest {

    private static final String[] NO_HEADERS = new String[0];

    private final String method;
    private final String url;
    private final String[] headers; // name, value, name, value, ...
    private final byte[] body;
    private final Object json;
    private final String contentType;
    private final Duration timeout;
    private final Duration responseTimeout;
    private final Duration connectTimeout;
    private final RetryPolicy retry;
    private final JavaType decodeAs;

    private FetchRequest(String method, String url, String[] headers, byte[] body, Object json, String contentType,
                         Duration timeout, Duration responseTimeout, Duration connectTimeout) {
        this(method, url, headers, body, json, contentType, timeout, responseTimeout, connectTimeout, null);
    }

    private FetchRequest(String method, String url, String[] headers, byte[] body, Object json, String contentType,
                         Duration timeout, Duration responseTimeout, Duration connectTimeout, RetryPolicy retry) {
        this(method, url, headers, body, json, contentType, timeout, responseTimeout, connectTimeout, retry, null);
    }

    private FetchRequest(String method, String url, String[] headers, byte[] body, Object json, String contentType,
                         Duration timeout, Duration responseTimeout, Duration connectTimeout, RetryPolicy retry,
                         JavaType decodeAs) {
        this.decodeAs = decodeAs;
        this.retry = retry;
        this.method = method;
        this.url = url;
        this.headers = headers;
        this.body = body;
        this.json = json;
        this.contentType = contentType;
        this.timeout = timeout;
        this.responseTimeout = responseTimeout;
        this.connectTimeout = connectTimeout;
    }

    /**
     * A request with any method.
     *
     * @throws NullPointerException if {@code method} is null
     */
    public static FetchRequest of(String method, String url) {
        Objects.requireNonNull(method, "method");
        return new FetchRequest(method, url, NO_HEADERS, null, null, null, null, null, null);
    }

    /** A GET request. */
    public static FetchRequest get(String url) {
        return of("GET", url);
    }

    /** A HEAD request. */
    public static FetchRequest head(String url) {
        return of("HEAD", url);
    }

    /** A POST request; add a body with {@link #json(Object)} or {@link #body(byte[], String)}. */
    public static FetchRequest post(String url) {
        return of("POST", url);
    }

    /** A PUT request. */
    public static FetchRequest put(String url) {
        return of("PUT", url);
    }

    /** A PATCH request. */
    public static FetchRequest patch(String url) {
        return of("PATCH", url);
    }

    /** A DELETE request. */
    public static FetchRequest delete(String url) {
        return of("DELETE", url);
    }

    /** An OPTIONS request. */
    public static FetchRequest options(String url) {
        return of("OPTIONS", url);
    }

    /**
     * Adds a header. A name given here replaces the client's default header of the same name;
     * giving a name twice sends both values.
     */
    public FetchRequest header(String name, String value) {
        String[] next = Arrays.copyOf(headers, headers.length + 2);
        next[headers.length] = name;
        next[headers.length + 1] = value;
        return new FetchRequest(method, url, next, body, json, contentType, timeout, responseTimeout, connectTimeout, retry, decodeAs);
    }

    /** A copy with another URL (used for redirects, and to drop user info from the URL). */
    public FetchRequest withUrl(String url) {
        return new FetchRequest(method, url, headers, body, json, contentType, timeout, responseTimeout, connectTimeout, retry, decodeAs);
    }

    /**
     * A copy with another method and no body (a redirect with 303, or a 301/302 after POST, becomes a GET).
     *
     * @throws NullPointerException if {@code method} is null
     */
    public FetchRequest withMethodAndNoBody(String method) {
        Objects.requireNonNull(method, "method");
        String[] kept = withoutHeaders(headers, "Content-Type", "Content-Length", "Content-Encoding");
        return new FetchRequest(method, url, kept, null, null, null, timeout, responseTimeout, connectTimeout, retry, decodeAs);
    }

    /** A copy without any header of the given names (case-insensitive). */
    public FetchRequest withoutHeaders(String... names) {
        String[] kept = withoutHeaders(headers, names);
        return kept == headers ? this
                : new FetchRequest(method, url, kept, body, json, contentType, timeout, responseTimeout, connectTimeout, retry, decodeAs);
    }

    private static String[] withoutHeaders(String[] headers, String... names) {
        String[] kept = new String[headers.length];
        int n = 0;
        outer:
        for (int i = 0; i < headers.length; i += 2) {
            for (String name : names) {
                if (name.equalsIgnoreCase(headers[i])) {
                    continue outer;
                }
            }
            kept[n++] = headers[i];
            kept[n++] = headers[i + 1];
        }
        return n == headers.length ? headers : Arrays.copyOf(kept, n);
    }

    /**
     * Sends {@code value} as a JSON body, serialized by the client's {@code ObjectMapper}, with
     * {@code Content-Type: application/json} unless a content type header was given.
     */
    public FetchRequest json(Object value) {
        return new FetchRequest(method, url, headers, null, value, null, timeout, responseTimeout, connectTimeout, retry, decodeAs);
    }

    /** Sends raw bytes as the body with the given content type (may be null to send none). */
    public FetchRequest body(byte[] bytes, String contentType) {
        Objects.requireNonNull(bytes, "bytes");
        return new FetchRequest(method, url, headers, bytes.clone(), null, contentType, timeout, responseTimeout,
                connectTimeout, retry, decodeAs);
    }

    /**
     * Overrides the client's request timeout for this request: the whole attempt, from the moment
     * it starts waiting for a connection until the last byte of the body.
     */
    public FetchRequest timeout(Duration timeout) {
        return new FetchRequest(method, url, headers, body, json, contentType, positive(timeout, "timeout"),
                responseTimeout, connectTimeout, retry, decodeAs);
    }

    /**
     * Overrides the client's response timeout for this request: the longest wait for the response
     * headers after the request is sent, and between two reads of the body.
     */
    public FetchRequest responseTimeout(Duration timeout) {
        return new FetchRequest(method, url, headers, body, json, contentType, this.timeout,
                positive(timeout, "responseTimeout"), connectTimeout, retry, decodeAs);
    }

    /**
     * Overrides the client's retry policy for this request ({@link RetryPolicy#none()} to send it
     * once). Default: the client's policy.
     */
    public FetchRequest retry(RetryPolicy policy) {
        return new FetchRequest(method, url, headers, body, json, contentType, timeout, responseTimeout,
                connectTimeout, Objects.requireNonNull(policy, "retry"), decodeAs);
    }

    /**
     * Decodes a successful response's JSON body into {@code type} inside the pipeline, on the I/O
     * thread that received it (so that many bodies decode in parallel, before results are merged);
     * {@link FetchResult#json(Class)} then returns that value without parsing again. A body that does
     * not decode makes the result a {@link FetchException.Kind#DECODE} failure, with the status,
     * headers and body kept. Default: nothing is decoded until asked.
     */
    public FetchRequest decode(Class<?> type) {
        Objects.requireNonNull(type, "type");
        return new FetchRequest(method, url, headers, body, json, contentType, timeout, responseTimeout,
                connectTimeout, retry, TypeFactory.defaultInstance().constructType(type));
    }

    /** Like {@link #decode(Class)}, for a generic type such as {@code new TypeReference<List<User>>() {}}. */
    public FetchRequest decode(TypeReference<?> type) {
        Objects.requireNonNull(type, "type");
        return new FetchRequest(method, url, headers, body, json, contentType, timeout, responseTimeout,
                connectTimeout, retry, TypeFactory.defaultInstance().constructType(type));
    }

    /** The type the pipeline decodes a successful body into, or null. */
    public JavaType decodeAs() {
        return decodeAs;
    }

    /** This request's own retry policy, or null to use the client's. */
    public RetryPolicy retry() {
        return retry;
    }

    /**
     * Overrides the client's connect timeout for this request. It applies when a new connection is
     * opened for it; connections with a non-default connect timeout are pooled apart from the
     * others (Reactor Netty keys its pools by channel options).
     */
    public FetchRequest connectTimeout(Duration timeout) {
        return new FetchRequest(method, url, headers, body, json, contentType, this.timeout, responseTimeout,
                positive(timeout, "connectTimeout"), retry, decodeAs);
    }

    /** The method, upper case as given. */
    public String method() {
        return method;
    }

    /** The URL exactly as given (it may be invalid; the client reports that as a result). */
    public String url() {
        return url;
    }

    /** The number of headers added to this request. */
    public int headerCount() {
        return headers.length / 2;
    }

    /** The name of the i-th header added to this request. */
    public String headerName(int i) {
        return headers[2 * i];
    }

    /** The value of the i-th header added to this request. */
    public String headerValue(int i) {
        return headers[2 * i + 1];
    }

    /** The first value of a header added to this request (case-insensitive name), or null. */
    public String header(String name) {
        for (int i = 0; i < headers.length; i += 2) {
            if (name.equalsIgnoreCase(headers[i])) {
                return headers[i + 1];
            }
        }
        return null;
    }

    /** The raw body, or null when there is none or the body is JSON. The array is shared: do not modify it. */
    public byte[] body() {
        return body;
    }

    /** The content type of the raw body, or null. */
    public String contentType() {
        return contentType;
    }

    /** The value to send as JSON, or null. */
    public Object jsonValue() {
        return json;
    }

    /** Whether this request carries a body (raw or JSON). */
    public boolean hasBody() {
        return body != null || json != null;
    }

    /** The request timeout override, or null to use the client's. */
    public Duration timeout() {
        return timeout;
    }

    /** The response timeout override, or null to use the client's. */
    public Duration responseTimeout() {
        return responseTimeout;
    }

    /** The connect timeout override, or null to use the client's. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Method and URL with credentials removed, and header names with secret values redacted. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(64).append(method).append(' ').append(Redaction.url(url));
        if (headers.length > 0) {
            sb.append(" [");
            for (int i = 0; i < headers.length; i += 2) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append(headers[i]).append(": ").append(Redaction.headerValue(headers[i], headers[i + 1]));
            }
            sb.append(']');
        }
        return sb.toString();
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
        return d;
    }
}
