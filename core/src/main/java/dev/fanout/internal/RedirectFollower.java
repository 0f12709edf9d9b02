package dev.fanout.internal;

import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Fanout's redirect policy, applied in the pipeline rather than by Reactor Netty's
 * {@code followRedirect}: every hop goes back through {@link RequestValidator} (so the
 * private-address guard re-checks the new host, and resolution re-checks its addresses), takes
 * its own connection permit, and is counted. Reactor Netty's hooks would re-send inside one
 * exchange, out of reach of validation and admission, and without a hop count for the result.
 *
 * <ul>
 *   <li>301, 302, 303, 307, 308 with a {@code Location} are followed, up to {@code maxRedirects} hops;
 *       one more, or a URL seen before in the chain, is {@link Kind#TOO_MANY_REDIRECTS}.</li>
 *   <li>303, and 301/302 after anything but GET or HEAD, become a GET without a body; 307/308 keep both.</li>
 *   <li>When the origin (scheme, host, port) changes, {@code Authorization}, {@code Cookie} and
 *       {@code Proxy-Authorization} are dropped, the client's default ones included, for the rest of the chain.</li>
 *   <li>https to http is not followed unless allowed: the 3xx itself is the result
 *       ({@link Kind#HTTP_STATUS}, with its headers, so the caller can see the {@code Location}).</li>
 * </ul>
 */
final class RedirectFollower {

    private static final String[] CREDENTIALS = {"Authorization", "Cookie", "Proxy-Authorization"};

    private final int maxRedirects;
    private final boolean allowDowngrade;
    private final RequestValidator validator;

    /** @param maxRedirects hops to follow, 0 to follow none */
    RedirectFollower(int maxRedirects, boolean allowDowngrade, RequestValidator validator) {
        this.maxRedirects = maxRedirects;
        this.allowDowngrade = allowDowngrade;
        this.validator = validator;
    }

    /** The response at the end of the chain, the request that got it, and how many redirects led there. */
    record Followed(ExchangeResponse response, ValidatedRequest last, int hops) {
    }

    /**
     * Sends {@code first} and follows redirects.
     *
     * @param exchange sends one hop: the request, and whether credential headers must be stripped
     */
    Mono<Followed> follow(ValidatedRequest first,
                          BiFunction<ValidatedRequest, Boolean, Mono<ExchangeResponse>> exchange) {
        if (maxRedirects == 0) {
            return exchange.apply(first, false).map(r -> new Followed(r, first, 0));
        }
        return hop(first, false, 0, null, exchange);
    }

    private Mono<Followed> hop(ValidatedRequest current, boolean stripCredentials, int hops, Set<String> seen,
                               BiFunction<ValidatedRequest, Boolean, Mono<ExchangeResponse>> exchange) {
        return exchange.apply(current, stripCredentials).flatMap(response -> {
            String location = utf8(response.headers().get(HttpHeaderNames.LOCATION));
            if (!isRedirect(response.status()) || location == null) {
                return Mono.just(new Followed(response, current, hops));
            }
            URI target;
            try {
                target = current.uri().resolve(new URI(location.trim()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                return Mono.error(new FetchException(Kind.PROTOCOL, current.request().method(), current.safeUrl(),
                        response.status(), "invalid redirect Location (" + e.getMessage() + ")", null));
            }
            try {
                // a Unicode host in the Location goes to ASCII here, so that the origin check, the loop check
                // and the next hop (validation, guard, per-host key) all see the one name that is sent
                target = RequestValidator.asciiHost(target);
            } catch (IllegalArgumentException e) {
                return Mono.error(new FetchException(Kind.PROTOCOL, current.request().method(), current.safeUrl(),
                        response.status(), "invalid redirect Location (host is not a valid international host name: "
                        + e.getMessage() + ")", null));
            }
            if ("https".equalsIgnoreCase(current.uri().getScheme()) && "http".equalsIgnoreCase(target.getScheme())
                    && !allowDowngrade) {
                return Mono.just(new Followed(response, current, hops));
            }
            if (hops >= maxRedirects) {
                return Mono.error(tooMany(current, response.status(), "more than " + maxRedirects + " redirects"));
            }
            // the chain's URLs, made at the first redirect (most responses are not one), inside the
            // flatMap so that a re-subscribed chain (a retry) starts afresh
            Set<String> chain = seen;
            if (chain == null) {
                chain = new HashSet<>();
                chain.add(current.uri().toString());
            }
            if (!chain.add(target.toString())) {
                return Mono.error(tooMany(current, response.status(), "redirect loop back to " + Redaction.url(target.toString())));
            }
            boolean strip = stripCredentials || !sameOrigin(current.uri(), target);
            ValidatedRequest next;
            try {
                next = validator.validate(nextRequest(current.request(), response.status(), target, strip));
            } catch (FetchException e) {
                return Mono.error(e);
            }
            return hop(next, strip, hops + 1, chain, exchange);
        });
    }

    private static FetchRequest nextRequest(FetchRequest request, int status, URI target, boolean strip) {
        FetchRequest next = request.withUrl(target.toString());
        String method = request.method();
        boolean toGet = status == 303 ? !method.equals("HEAD")
                : (status == 301 || status == 302) && !method.equals("GET") && !method.equals("HEAD");
        if (toGet) {
            next = next.withMethodAndNoBody("GET");
        }
        return strip ? next.withoutHeaders(CREDENTIALS) : next;
    }

    /**
     * Netty reads header bytes one to a character (ISO-8859-1). A server that puts a Unicode host or
     * path in {@code Location} sends it as UTF-8, as browsers read it: such a value is read back as
     * UTF-8. A value that is not valid UTF-8 is left as read.
     */
    static String utf8(String value) {
        if (value == null) {
            return null;
        }
        boolean high = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c > 0xff) {
                return value;
            }
            high |= c >= 0x80;
        }
        if (!high) {
            return value;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            return value;
        }
    }

    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && Objects.equals(lower(a.getHost()), lower(b.getHost()))
                && port(a) == port(b);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static FetchException tooMany(ValidatedRequest current, int status, String detail) {
        return new FetchException(Kind.TOO_MANY_REDIRECTS, current.request().method(), current.safeUrl(), status,
                detail, null);
    }

    /** Strips the credential headers from a request about to be sent to another origin. */
    static void stripCredentials(io.netty.handler.codec.http.HttpHeaders headers) {
        for (String name : CREDENTIALS) {
            headers.remove(name);
        }
    }
}
