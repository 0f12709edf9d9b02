package dev.fanout.internal;

import reactor.netty.http.client.HttpClient;
import reactor.netty.transport.ProxyProvider;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A forward proxy, frozen, and how it is handed to Reactor Netty's {@link ProxyProvider}.
 *
 * @param socks5 SOCKS5 rather than HTTP CONNECT
 * @param user the proxy user name, or null
 * @param password the proxy password, or null; never printed
 * @param noProxy host patterns reached directly ({@code *} matches any characters)
 */
public record ProxyOptions(boolean socks5, String host, int port, String user, String password,
                           List<String> noProxy) {

    HttpClient apply(HttpClient client) {
        return client.proxy(spec -> {
            ProxyProvider.Builder b = spec.type(socks5 ? ProxyProvider.Proxy.SOCKS5 : ProxyProvider.Proxy.HTTP)
                    .host(host).port(port);
            if (user != null) {
                b.username(user).password(u -> password);
            }
            if (!noProxy.isEmpty()) {
                b.nonProxyHosts(noProxyRegex(noProxy));
            }
        });
    }

    /** "localhost", "*.internal" -> "localhost|.*\.internal", the form Reactor Netty's nonProxyHosts takes. */
    static String noProxyRegex(List<String> patterns) {
        return patterns.stream()
                .map(p -> Pattern.quote(p).replace("*", "\\E.*\\Q"))
                .collect(Collectors.joining("|"));
    }

    @Override
    public String toString() {
        return "ProxyOptions[" + (socks5 ? "socks5" : "http") + "://" + host + ":" + port
                + (user != null ? ", user=" + user + ", password=<redacted>" : "") + ", noProxy=" + noProxy + "]";
    }
}
