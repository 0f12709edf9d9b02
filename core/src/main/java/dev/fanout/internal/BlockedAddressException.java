package dev.fanout.internal;

import java.net.InetSocketAddress;

/** The private-address guard refused an address; classified as {@code BLOCKED_ADDRESS}. No stack trace. */
public final class BlockedAddressException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BlockedAddressException(String message) {
        super(message, null, false, false);
    }

    static BlockedAddressException resolved(InetSocketAddress unresolved, Object addresses) {
        return new BlockedAddressException(unresolved.getHostString() + " resolved to " + addresses
                + ", refused by the private-address guard");
    }
}
