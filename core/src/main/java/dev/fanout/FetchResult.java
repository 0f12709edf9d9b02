package dev.fanout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpUtil;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.List;

/**
 * The outcome of one request: exactly one per input, success or failure, never thrown.
 *
 * <pre>{@code
 * for (FetchResult r : client.fetchAll(urls).block()) {
 *     if (r.isSuccess()) {
 *         Product p = r.json(Product.class);
 *     } else {
 *         log.warn("{} failed: {}", r.request().url(), r.error().get().kind());
 *     }
 * }
 * }</pre>
 *
 * <p>A result is a success when a response arrived with an accepted status (2xx unless the client
 * says otherwise). A failure carries a {@link FetchException} with its {@link FetchException.Kind},
 * and still carries the status, headers and body when a response arrived (for an
 * {@link FetchException.Kind#HTTP_STATUS} failure, for example).
 */
public final class FetchResult {

    private static final byte[] NO_BODY = new byte[0];
    private static final ObjectMapper DEFAULT_MAPPER = dev.fanout.internal.DefaultMapper.create();

    private final long index;
    private final FetchRequest request;
    private final int status;
    private final HttpHeaders headers;
    private final byte[] body;
    private final long elapsedNanos;
    private final int attempts;
    private final FetchException error;
    private final ObjectMapper mapper;
    private final String finalUrl;
    private final int redirects;
    private final List<FetchException.Kind> attemptKinds;
    /** The body decoded in the pipeline into the request's {@code decodeAs()} type, or null. */
    private final Object decoded;

    private FetchResult(long index, FetchRequest request, int status, HttpHeaders headers, byte[] body,
                        long elapsedNanos, int attempts, FetchException error, ObjectMapper mapper) {
        this(index, request, status, headers, body, elapsedNanos, attempts, error, mapper, null, 0, List.of(),
                null);
    }

    private FetchResult(long index, FetchRequest request, int status, HttpHeaders headers, byte[] body,
                        long elapsedNanos, int attempts, FetchException error, ObjectMapper mapper,
                        String finalUrl, int redirects, List<FetchException.Kind> attemptKinds, Object decoded) {
        this.decoded = decoded;
        this.finalUrl = finalUrl;
        this.redirects = redirects;
        this.attemptKinds = attemptKinds;
        this.index = index;
        this.request = request;
        this.status = status;
        this.headers = headers == null ? EmptyHttpHeaders.INSTANCE : headers;
        this.body = body == null ? NO_BODY : body;
        this.elapsedNanos = elapsedNanos;
        this.attempts = attempts;
        this.error = error;
        this.mapper = mapper == null ? DEFAULT_MAPPER : mapper;
    }

    /**
     * A successful result. Used by the client; public for tests and for callers that build results
     * of their own (a cache, for example).
     *
     * @param mapper the mapper {@link #json()} decodes with, or null for a default one
     */
    public static FetchResult success(long index, FetchRequest request, int status, HttpHeaders headers, byte[] body,
                                      Duration elapsed, int attempts, ObjectMapper mapper) {
        Objects.requireNonNull(request, "request");
        return new FetchResult(index, request, status, headers, body, elapsed.toNanos(), attempts, null, mapper);
    }

    /**
     * A failed result. {@code status}, {@code headers} and {@code body} describe the response when
     * one arrived (status 0, null and null otherwise).
     */
    public static FetchResult failure(long index, FetchRequest request, FetchException error, int status,
                                      HttpHeaders headers, byte[] body, Duration elapsed, int attempts,
                                      ObjectMapper mapper) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(error, "error");
        return new FetchResult(index, request, status, headers, body, elapsed.toNanos(), attempts, error, mapper);
    }

    /**
     * A copy that records where a redirect chain ended. Used by the client.
     *
     * @param finalUrl the URL of the last request in the chain (pass it without user info)
     * @param redirects how many redirects were followed
     */
    public FetchResult withRedirects(String finalUrl, int redirects) {
        if (redirects == 0 && this.redirects == 0) {
            return this; // no redirect: url() is already the request's own URL
        }
        return new FetchResult(index, request, status, headers, body, elapsedNanos, attempts, error, mapper,
                finalUrl, redirects, attemptKinds, decoded);
    }

    /**
     * The URL the response came from: the request's URL, or where redirects led. Never carries
     * user info. An international host name shows in the ASCII (Punycode) form the request was sent
     * to ({@code http://bücher.example/} gives {@code http://xn--bcher-kva.example/}); a request
     * that failed validation shows its URL as written.
     */
    public String url() {
        return finalUrl != null ? finalUrl : dev.fanout.internal.Redaction.url(request.url());
    }

    /** How many redirects were followed to get this response (0 when none). */
    public int redirects() {
        return redirects;
    }

    /** The position of the request in the input, counted from 0. */
    public long index() {
        return index;
    }

    /** The request this result answers. */
    public FetchRequest request() {
        return request;
    }

    /** Whether a response arrived with an accepted status. */
    public boolean isSuccess() {
        return error == null;
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /** The response headers (empty when no response arrived). Treat them as read-only. */
    public HttpHeaders headers() {
        return headers;
    }

    /** The first value of a response header, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    /**
     * The response body after content decoding (empty when there was none). The array belongs to
     * this result and is not copied: do not modify it.
     */
    public byte[] body() {
        return body;
    }

    /** The body as text, in the charset of the {@code Content-Type} header (UTF-8 when none is given). */
    public String bodyAsString() {
        String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        Charset charset = contentType == null ? StandardCharsets.UTF_8
                : HttpUtil.getCharset(contentType, StandardCharsets.UTF_8);
        return new String(body, charset);
    }

    /**
     * The body parsed as a JSON tree.
     *
     * @throws FetchException of kind {@link FetchException.Kind#DECODE} when the body is not valid JSON
     */
    public JsonNode json() {
        if (decoded instanceof JsonNode node) {
            return node;
        }
        try {
            JsonNode node = mapper.readTree(body);
            return node == null ? mapper.missingNode() : node;
        } catch (IOException e) {
            throw decodeError(e, "JsonNode");
        }
    }

    /**
     * The body decoded as JSON into {@code type}.
     *
     * @throws FetchException of kind {@link FetchException.Kind#DECODE} when the body does not decode
     */
    public <T> T json(Class<T> type) {
        if (decoded != null && request.decodeAs().hasRawClass(type) && !request.decodeAs().hasContentType()) {
            return type.cast(decoded); // decoded in the pipeline (FetchRequest.decode)
        }
        try {
            return mapper.readValue(body, type);
        } catch (IOException e) {
            throw decodeError(e, type.getSimpleName());
        }
    }

    /**
     * The body decoded as JSON into a generic type, such as {@code new TypeReference<List<User>>() {}}.
     *
     * @throws FetchException of kind {@link FetchException.Kind#DECODE} when the body does not decode
     */
    @SuppressWarnings("unchecked")
    public <T> T json(TypeReference<T> type) {
        if (decoded != null
                && request.decodeAs().equals(com.fasterxml.jackson.databind.type.TypeFactory.defaultInstance().constructType(type))) {
            return (T) decoded; // decoded in the pipeline (FetchRequest.decode)
        }
        try {
            return mapper.readValue(body, type);
        } catch (IOException e) {
            throw decodeError(e, type.getType().getTypeName());
        }
    }

    /** Time from the start of the first attempt to the result (including any waiting for a connection). */
    public Duration elapsed() {
        return Duration.ofNanos(elapsedNanos);
    }

    /** How many attempts were made (0 when the request was rejected before any was). */
    public int attempts() {
        return attempts;
    }

    /**
     * The kind each failed attempt ended with, in order (for a failure, the last is the result's
     * own kind); empty when the first attempt succeeded.
     */
    public List<FetchException.Kind> attemptKinds() {
        return attemptKinds;
    }

    /**
     * This result with {@code kinds} as its {@link #attemptKinds()}: a copy, this one is unchanged.
     * Used by the client.
     */
    public FetchResult withAttemptKinds(List<FetchException.Kind> kinds) {
        if (kinds.isEmpty() && attemptKinds.isEmpty()) {
            return this;
        }
        return new FetchResult(index, request, status, headers, body, elapsedNanos, attempts, error, mapper,
                finalUrl, redirects, List.copyOf(kinds), decoded);
    }

    /**
     * Decodes the body into the request's {@link FetchRequest#decodeAs()} type, for the pipeline: a
     * copy carrying the value, or a {@link FetchException.Kind#DECODE} failure keeping the response.
     */
    public FetchResult decodedForRequest() {
        com.fasterxml.jackson.databind.JavaType type = request.decodeAs();
        if (type == null || error != null) {
            return this;
        }
        try {
            Object value = mapper.readValue(body, type);
            return new FetchResult(index, request, status, headers, body, elapsedNanos, attempts, null, mapper,
                    finalUrl, redirects, attemptKinds, value);
        } catch (IOException e) {
            return new FetchResult(index, request, status, headers, body, elapsedNanos, attempts,
                    decodeError(e, type.toString()), mapper, finalUrl, redirects, attemptKinds, null);
        }
    }

    /** Why the request failed, or empty for a success. */
    public Optional<FetchException> error() {
        return Optional.ofNullable(error);
    }

    /** The kind of failure, or null for a success. */
    public FetchException.Kind kind() {
        return error == null ? null : error.kind();
    }

    /**
     * Returns this result when it is a success, or throws its error (like Python's
     * {@code raise_for_status()}).
     *
     * @throws FetchException the error of a failed result
     */
    public FetchResult orThrow() {
        if (error != null) {
            throw error;
        }
        return this;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(96).append("FetchResult{#").append(index).append(' ').append(request);
        if (status != 0) {
            sb.append(" -> ").append(status);
        }
        if (error != null) {
            sb.append(" ").append(error.kind());
        }
        return sb.append(", ").append(body.length).append(" bytes, ").append(elapsedNanos / 1_000_000)
                .append(" ms, attempts=").append(attempts).append('}').toString();
    }

    private FetchException decodeError(IOException e, String target) {
        return new FetchException(FetchException.Kind.DECODE, request.method(),
                dev.fanout.internal.Redaction.url(request.url()), status,
                "body is not valid JSON for " + target + " (" + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()) + ")", e);
    }
}
