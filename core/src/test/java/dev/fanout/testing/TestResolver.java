package dev.fanout.testing;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A resolver for tests: maps host names to fixed addresses, or to a list of answers given in turn
 * (one per lookup, the last repeated), which is how DNS rebinding looks from the client. Any other
 * name fails like NXDOMAIN. Counts lookups per name.
 */
public final class TestResolver extends AddressResolverGroup<InetSocketAddress> {

    private final Map<String, List<InetAddress>> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();

    /** Answers {@code name} with {@code addresses} in turn, one per lookup, the last one repeated. */
    public TestResolver map(String name, String... addresses) {
        try {
            InetAddress[] list = new InetAddress[addresses.length];
            for (int i = 0; i < addresses.length; i++) {
                list[i] = InetAddress.getByAddress(name, InetAddress.getByName(addresses[i]).getAddress());
            }
            answers.put(name, List.of(list));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
        return this;
    }

    public int lookups(String name) {
        AtomicInteger n = lookups.get(name);
        return n == null ? 0 : n.get();
    }

    private InetAddress next(String name) throws UnknownHostException {
        List<InetAddress> list = answers.get(name);
        int n = lookups.computeIfAbsent(name, k -> new AtomicInteger()).getAndIncrement();
        if (list == null) {
            throw new UnknownHostException(name + ": NXDOMAIN (test resolver)");
        }
        return list.get(Math.min(n, list.size() - 1));
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        return new InetNameResolver(executor) {
            @Override
            protected void doResolve(String host, Promise<InetAddress> promise) {
                try {
                    promise.setSuccess(next(host));
                } catch (UnknownHostException e) {
                    promise.setFailure(e);
                }
            }

            @Override
            protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
                try {
                    promise.setSuccess(List.of(next(host)));
                } catch (UnknownHostException e) {
                    promise.setFailure(e);
                }
            }
        }.asAddressResolver();
    }
}
