package dev.fanout.internal;

import dev.fanout.FetchException.Kind;

import java.util.ArrayList;
import java.util.List;

/** The attempts of one request: how many were started and the kind each failed one ended with. */
final class AttemptLog {

    private int started;
    private List<Kind> failures; // made at the first failure: most requests have none

    synchronized void started() {
        started++;
    }

    synchronized void failed(Kind kind) {
        if (failures == null) {
            failures = new ArrayList<>(2);
        }
        failures.add(kind);
    }

    synchronized int attempts() {
        return started;
    }

    synchronized List<Kind> kinds() {
        return failures == null ? List.of() : List.copyOf(failures);
    }
}
