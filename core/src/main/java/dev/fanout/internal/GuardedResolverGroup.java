package dev.fanout.internal;

import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Wraps the resolver Reactor Netty connects through so that the private-address guard judges the
 * addresses actually connected to: a name that resolves to a blocked address fails at resolution,
 * before any socket is opened, however it resolved the last time (DNS rebinding). When a name has
 * several addresses, the blocked ones are dropped and the rest are kept.
 */
final class GuardedResolverGroup extends AddressResolverGroup<InetSocketAddress> {

    private final AddressResolverGroup<? extends SocketAddress> delegate;
    private final AddressGuard guard;
    private final boolean ownsDelegate;

    /** @param ownsDelegate whether closing this group closes the delegate (not when the caller supplied it) */
    GuardedResolverGroup(AddressResolverGroup<? extends SocketAddress> delegate, AddressGuard guard,
                         boolean ownsDelegate) {
        this.delegate = delegate;
        this.guard = guard;
        this.ownsDelegate = ownsDelegate;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        return new Guarded(executor, (AddressResolver<InetSocketAddress>) delegate.getResolver(executor), guard);
    }

    @Override
    public void close() {
        super.close();
        if (ownsDelegate) {
            delegate.close();
        }
    }

    private static final class Guarded extends AbstractAddressResolver<InetSocketAddress> {

        private final AddressResolver<InetSocketAddress> delegate;
        private final AddressGuard guard;

        Guarded(EventExecutor executor, AddressResolver<InetSocketAddress> delegate, AddressGuard guard) {
            super(executor, InetSocketAddress.class);
            this.delegate = delegate;
            this.guard = guard;
        }

        @Override
        protected boolean doIsResolved(InetSocketAddress address) {
            // Never "already resolved": a resolved address still goes through doResolve and is checked.
            return false;
        }

        @Override
        protected void doResolve(InetSocketAddress unresolved, Promise<InetSocketAddress> promise) {
            if (!unresolved.isUnresolved()) {
                check(unresolved, List.of(unresolved), promise);
                return;
            }
            delegate.resolve(unresolved).addListener((Future<InetSocketAddress> f) -> {
                if (!f.isSuccess()) {
                    promise.tryFailure(f.cause());
                } else {
                    check(unresolved, List.of(f.getNow()), promise);
                }
            });
        }

        private void check(InetSocketAddress unresolved, List<InetSocketAddress> resolved,
                           Promise<InetSocketAddress> promise) {
            InetSocketAddress a = resolved.get(0);
            if (a.getAddress() == null || guard.isBlocked(a.getAddress())) {
                promise.tryFailure(BlockedAddressException.resolved(unresolved, a.getAddress()));
            } else {
                promise.trySuccess(a);
            }
        }

        @Override
        protected void doResolveAll(InetSocketAddress unresolved, Promise<List<InetSocketAddress>> promise) {
            if (!unresolved.isUnresolved()) {
                filter(unresolved, List.of(unresolved), promise);
                return;
            }
            delegate.resolveAll(unresolved).addListener((Future<List<InetSocketAddress>> f) -> {
                if (!f.isSuccess()) {
                    promise.tryFailure(f.cause());
                } else {
                    filter(unresolved, f.getNow(), promise);
                }
            });
        }

        private void filter(InetSocketAddress unresolved, List<InetSocketAddress> all,
                            Promise<List<InetSocketAddress>> promise) {
            List<InetSocketAddress> kept = new ArrayList<>(all.size());
            List<Object> refused = new ArrayList<>();
            for (InetSocketAddress a : all) {
                if (a.getAddress() != null && !guard.isBlocked(a.getAddress())) {
                    kept.add(a);
                } else {
                    refused.add(a.getAddress());
                }
            }
            if (kept.isEmpty()) {
                promise.tryFailure(BlockedAddressException.resolved(unresolved, refused));
            } else {
                promise.trySuccess(kept);
            }
        }

        @Override
        public void close() {
            // the delegate resolver belongs to the delegate group, which closes it
        }
    }
}
