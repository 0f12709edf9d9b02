package dev.fanout.internal;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * The JVM's resolver ({@link InetAddress#getAllByName}: the hosts file, the OS resolver, the JVM's
 * own cache and {@code networkaddress.cache.ttl}), called on Reactor's bounded-elastic scheduler.
 * Written by hand because Netty's {@code DefaultAddressResolverGroup} makes the same blocking call
 * on the event loop, which would stall every connection on that loop while a lookup waits.
 */
final class JvmResolverGroup extends AddressResolverGroup<InetSocketAddress> {

    private final Scheduler scheduler = Schedulers.boundedElastic();

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        return new InetNameResolver(executor) {
            @Override
            protected void doResolve(String host, Promise<InetAddress> promise) {
                scheduler.schedule(() -> {
                    try {
                        promise.trySuccess(InetAddress.getByName(host));
                    } catch (Exception e) {
                        promise.tryFailure(e);
                    }
                });
            }

            @Override
            protected void doResolveAll(String host, Promise<java.util.List<InetAddress>> promise) {
                scheduler.schedule(() -> {
                    try {
                        promise.trySuccess(Arrays.asList(InetAddress.getAllByName(host)));
                    } catch (Exception e) {
                        promise.tryFailure(e);
                    }
                });
            }
        }.asAddressResolver();
    }
}
