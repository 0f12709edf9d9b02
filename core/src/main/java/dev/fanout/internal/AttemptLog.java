package dev.fanout.internal;

import dev.fanout.FetchException.Kind;

import java.util.ArrayList;
import java.util.List;

/** The attempts of one request: how many were started and the kind each failed one ended with. */
final class AttemptLog {

    private int started;
    private final List<Kind> failures = new ArrayList<>(2);

    synchronized void started() {
        started++;
    }

    synchronized void failed(Kind kind) {
        failures.add(kind);
    }

    synchronized int attempts() {
        return started;
    }

    synchronized List<Kind> kinds() {
        return List.copyOf(failures);
    }
}
