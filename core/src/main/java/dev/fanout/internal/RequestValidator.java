package dev.fanout.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import io.netty.handler.codec.http.HttpMethod;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Checks a request before anything is sent: method, URL and headers. A bad request becomes an
 * {@link Kind#INVALID_REQUEST} failure for that item alone; it never throws for a batch.
 */
public final class RequestValidator {

    private final ObjectMapper mapper;
    private final AddressGuard guard;

    public RequestValidator(ObjectMapper mapper) {
        this(mapper, null);
    }

    /** @param guard the private-address guard, or null when it is off */
    public RequestValidator(ObjectMapper mapper, AddressGuard guard) {
        this.mapper = mapper;
        this.guard = guard;
    }

    /**
     * Validates {@code request}.
     *
     * @throws FetchException of kind {@link Kind#INVALID_REQUEST}, naming what is wrong
     */
    public ValidatedRequest validate(FetchRequest request) {
        String method = request.method();
        String rawUrl = request.url();
        String safeUrl = Redaction.url(rawUrl);
        if (!isToken(method)) {
            throw invalid(request, safeUrl, "method: " + method + " (expected: an HTTP token such as GET)");
        }
        URI parsed = parseUrl(request, rawUrl, safeUrl);
        URI uri;
        try {
            uri = asciiHost(parsed);
        } catch (IllegalArgumentException e) {
            throw invalid(request, safeUrl, "url: host is not a valid international host name (" + e.getMessage() + ")");
        }
        if (uri != parsed) {
            // An international host went to ASCII (Punycode). From here on — the guard, the connection, the
            // Host header and SNI, the result's request() and url(), every message — the URL is the one sent.
            request = request.withUrl(uri.toString());
            safeUrl = Redaction.url(uri.toString());
        }
        uri = checkHost(request, uri, safeUrl, guard);
        for (int i = 0; i < request.headerCount(); i++) {
            String name = request.headerName(i);
            String value = request.headerValue(i);
            if (!isToken(name)) {
                throw invalid(request, safeUrl, "header name: " + printable(name) + " (expected: an HTTP token)");
            }
            if (value == null || hasForbiddenChar(value)) {
                throw invalid(request, safeUrl, "header " + name + ": "
                        + (value == null ? "null" : "contains CR, LF or NUL") + " (expected: a single-line value)");
            }
        }

        String authorization = null;
        if (uri.getRawUserInfo() != null) {
            authorization = basicAuth(uri.getRawUserInfo());
            String authority = uri.getRawAuthority();
            String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
            uri = URI.create(uri.getScheme() + "://" + hostPort + (uri.getRawPath() == null ? "" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
            // The result carries the request as sent: no user info in its URL, the credentials only in an
            // Authorization header, which every toString redacts. An explicit Authorization header wins.
            request = request.withUrl(uri.toString());
            if (request.header("Authorization") == null) {
                request = request.header("Authorization", authorization);
            }
        }

        byte[] body = request.body();
        String contentType = request.contentType();
        if (request.jsonValue() != null) {
            try {
                body = mapper.writeValueAsBytes(request.jsonValue());
            } catch (JsonProcessingException e) {
                throw new FetchException(Kind.INVALID_REQUEST, method, safeUrl, 0,
                        "JSON body could not be serialized (" + e.getOriginalMessage() + ")", e);
            }
            contentType = "application/json";
        }
        return new ValidatedRequest(request, HttpMethod.valueOf(method), uri, safeUrl, body, contentType,
                authorization);
    }

    private static URI parseUrl(FetchRequest request, String rawUrl, String safeUrl) {
        if (rawUrl == null || rawUrl.isEmpty()) {
            throw invalid(request, safeUrl, "url: " + (rawUrl == null ? "null" : "empty")
                    + " (expected: an absolute http or https URL)");
        }
        for (int i = 0; i < rawUrl.length(); i++) {
            char c = rawUrl.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw invalid(request, safeUrl, "url: contains a space or control character at " + i
                        + " (expected: a percent-encoded URL)");
            }
        }
        URI uri;
        try {
            uri = new URI(rawUrl);
        } catch (URISyntaxException e) {
            throw invalid(request, safeUrl, "url: " + e.getReason() + " at index " + e.getIndex());
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            throw invalid(request, safeUrl, "url: scheme " + scheme + " (expected: http or https)");
        }
        return uri;
    }

    /** The guard's check of IP literals (after the host went to ASCII: a full-width １２７.０.０.１ is 127.0.0.1), then host and port. */
    private static URI checkHost(FetchRequest request, URI uri, String safeUrl, AddressGuard guard) {
        if (guard != null) {
            uri = GuardedHosts.check(guard, uri, request.method(), safeUrl);
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw invalid(request, safeUrl, "url: no host (expected: http://host[:port]/path)");
        }
        int port = uri.getPort();
        if (port != -1 && (port < 1 || port > 65535)) {
            throw invalid(request, safeUrl, "url: port " + port + " (expected: 1-65535)");
        }
        return uri;
    }

    /**
     * {@code uri} with an international host name in its ASCII (Punycode) form; {@code uri} itself
     * when its authority is ASCII. {@link URI} cannot read a non-ASCII host (it sees a registry
     * authority and no host), so the authority is split here: user info, host, port.
     *
     * @throws IllegalArgumentException when the host is not a valid international host name, or the
     *         rewritten URL does not parse; the message says why
     */
    static URI asciiHost(URI uri) {
        String authority = uri.getRawAuthority();
        if (authority == null || uri.getHost() != null || Idn.isAscii(authority)) {
            return uri;
        }
        int at = authority.lastIndexOf('@');
        String userInfo = at < 0 ? "" : authority.substring(0, at + 1);
        String hostPort = Idn.hostPortToAscii(authority.substring(at + 1));
        try {
            return new URI(uri.getScheme() + "://" + userInfo + hostPort
                    + (uri.getRawPath() == null ? "" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                    + (uri.getRawFragment() == null ? "" : "#" + uri.getRawFragment()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e.getReason(), e);
        }
    }

    private static String basicAuth(String rawUserInfo) {
        String decoded = URLDecoder.decode(rawUserInfo.replace("+", "%2B"), StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(decoded.getBytes(StandardCharsets.UTF_8));
    }

    private static FetchException invalid(FetchRequest request, String safeUrl, String detail) {
        return new FetchException(Kind.INVALID_REQUEST, String.valueOf(request.method()), safeUrl, 0, detail, null);
    }

    /** RFC 9110 token: visible ASCII except delimiters. */
    static boolean isToken(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    static boolean hasForbiddenChar(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == '\0') {
                return true;
            }
        }
        return false;
    }

    private static String printable(String s) {
        return s == null ? "null" : s.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
    }
}
