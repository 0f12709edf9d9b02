package dev.fanout.internal;

import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;

import java.net.SocketAddress;

/**
 * Chooses the address resolver group the client connects through: the caller's own, or Netty's
 * asynchronous DNS resolver, wrapped by the private-address guard when that is on.
 */
final class Resolvers {

    private Resolvers() {
    }

    /**
     * A resolver group this client owns and must close, or null to leave Reactor Netty's choice
     * (its default DNS resolver, or the caller's group, which the caller closes).
     */
    static AddressResolverGroup<?> create(Settings settings) {
        if (settings.addressGuard() == null) {
            return null;
        }
        AddressResolverGroup<? extends SocketAddress> delegate = settings.resolver() != null
                ? settings.resolver() : dns();
        return new GuardedResolverGroup(delegate, settings.addressGuard(), settings.resolver() == null);
    }

    private static AddressResolverGroup<? extends SocketAddress> dns() {
        return new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(NioDatagramChannel.class)
                .socketChannelType(NioSocketChannel.class));
    }
}
