package dev.fanout.internal;

import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * The private-address guard's check of IP literals in URLs, before any connection is attempted.
 * The host is read the way a browser reads it (WHATWG URL), not the way {@link URI} or
 * {@link InetAddress} do, because those disagree about spellings such as {@code 0x7f.0.0.1} or
 * {@code 127.1} — and whatever reads the host differently from the guard is the hole. A literal
 * that passes is rewritten in its canonical form, so what is connected to is what was checked.
 * Names are left to the resolver-time check ({@link GuardedResolverGroup}).
 */
final class GuardedHosts {

    private GuardedHosts() {
    }

    static URI check(AddressGuard guard, URI uri, String method, String safeUrl) {
        String authority = uri.getRawAuthority();
        if (authority == null) {
            return uri;
        }
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        String userInfo = authority.lastIndexOf('@') >= 0 ? authority.substring(0, authority.lastIndexOf('@') + 1) : "";
        String host;
        String port;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            host = close < 0 ? hostPort : hostPort.substring(0, close + 1);
            port = close < 0 ? "" : hostPort.substring(close + 1);
        } else {
            int colon = hostPort.lastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            port = colon < 0 ? "" : hostPort.substring(colon);
        }
        byte[] address;
        try {
            address = AddressGuard.literal(host);
        } catch (UnknownHostException e) {
            throw blocked(method, safeUrl, "host " + host + " ends in a number but is not an IPv4 address");
        }
        if (address == null) {
            return uri;
        }
        if (guard.isBlocked(address)) {
            throw blocked(method, safeUrl, "address " + NetUtil.bytesToIpAddress(address)
                    + " is private, loopback, link-local or reserved (private-address guard)");
        }
        String canonical = address.length == 4 ? NetUtil.bytesToIpAddress(address)
                : "[" + NetUtil.bytesToIpAddress(address) + "]";
        if (canonical.equalsIgnoreCase(host)) {
            return uri;
        }
        try {
            return new URI(uri.getScheme() + "://" + userInfo + canonical + port
                    + (uri.getRawPath() == null ? "" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        } catch (java.net.URISyntaxException e) {
            return uri; // the port is bad; the validator's own checks say so
        }
    }

    private static FetchException blocked(String method, String safeUrl, String detail) {
        return new FetchException(Kind.BLOCKED_ADDRESS, method, safeUrl, 0, detail, null);
    }
}
