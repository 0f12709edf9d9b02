package dev.fanout.examples.cli;

/** Bad usage found after parsing (an unreadable file, a value the client refuses): exit status 2. */
final class UsageError extends RuntimeException {

    UsageError(String message) {
        super(message, null, false, false);
    }
}
