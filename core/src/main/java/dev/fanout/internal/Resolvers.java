package dev.fanout.internal;

import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import reactor.netty.resources.LoopResources;
import reactor.netty.transport.NameResolverProvider;

import java.net.SocketAddress;

/**
 * Chooses the address resolver group the client connects through: the caller's own, the JVM's,
 * or Netty's asynchronous DNS client configured through Reactor Netty's {@link NameResolverProvider}
 * — wrapped by the private-address guard when that is on.
 */
final class Resolvers {

    private Resolvers() {
    }

    /**
     * The group to give Reactor Netty, and whether this client must close it.
     *
     * @param group null to keep Reactor Netty's default resolver
     */
    record Choice(AddressResolverGroup<?> group, boolean owned) {
    }

    static Choice create(Settings settings, LoopResources loops) {
        DnsOptions dns = settings.dns();
        AddressResolverGroup<? extends SocketAddress> base;
        boolean owned;
        if (settings.resolver() != null) {
            base = settings.resolver();
            owned = false;
        } else if (dns.jvm()) {
            base = new JvmResolverGroup();
            owned = true;
        } else if (dns.customized() || settings.addressGuard() != null) {
            base = dns(dns, loops);
            owned = true;
        } else {
            return new Choice(null, false);
        }
        if (settings.addressGuard() != null) {
            return new Choice(new GuardedResolverGroup(base, settings.addressGuard(), owned), true);
        }
        return new Choice(base, owned);
    }

    private static AddressResolverGroup<? extends SocketAddress> dns(DnsOptions dns, LoopResources loops) {
        NameResolverProvider.NameResolverSpec spec = NameResolverProvider.builder();
        if (dns.maxTtl() != null && dns.maxTtl().isZero()) {
            spec.resolveCache(NoopDnsCache.INSTANCE); // Reactor Netty refuses a zero max TTL; no cache is what it means
        } else {
            if (dns.minTtl() != null) {
                spec.cacheMinTimeToLive(dns.minTtl());
            }
            if (dns.maxTtl() != null) {
                spec.cacheMaxTimeToLive(dns.maxTtl());
            }
        }
        if (dns.negativeTtl() != null) {
            spec.cacheNegativeTimeToLive(dns.negativeTtl());
        }
        if (dns.queryTimeout() != null) {
            spec.queryTimeout(dns.queryTimeout());
        }
        if (dns.servers() != null) {
            SequentialDnsServerAddressStreamProvider servers =
                    new SequentialDnsServerAddressStreamProvider(dns.servers().toArray(new java.net.InetSocketAddress[0]));
            spec.dnsAddressResolverGroupProvider(b -> new DnsAddressResolverGroup(b.nameServerProvider(servers)));
        }
        return spec.build().newNameResolverGroup(loops, false);
    }
}
