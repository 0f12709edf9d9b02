package dev.fanout.internal;

/** An attempt refused by an open per-host circuit; its cause is the failure that opened it. Never retried. */
final class CircuitOpen extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CircuitOpen(Throwable last) {
        super("circuit open after repeated connection failures to this host", last, false, false);
    }
}
