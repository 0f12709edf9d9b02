package dev.fanout.examples.cli;

import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/**
 * URLs from a reader, one per line, read lazily as the client asks for more (so a file of any
 * length runs in bounded memory). Blank lines and lines starting with {@code #} are skipped; each
 * line is stripped of surrounding white space.
 */
final class UrlSource {

    private UrlSource() {
    }

    /**
     * The lines, read on {@code io} (never on a Netty event loop, where requests for more arrive),
     * closing the reader when done or cancelled if {@code close} is set.
     */
    static Flux<String> lines(Callable<BufferedReader> open, boolean close, Scheduler io) {
        return Flux.using(open,
                        reader -> Flux.<String>generate(sink -> {
                            String next = next(reader);
                            if (next == null) {
                                sink.complete();
                            } else {
                                sink.next(next);
                            }
                        }),
                        reader -> {
                            if (close) {
                                closeQuietly(reader);
                            }
                        })
                .subscribeOn(io);
    }

    /** The next line that is not skipped, or null at the end. */
    static String next(BufferedReader reader) {
        try {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!isSkipped(line)) {
                    return line.strip();
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the input: " + e.getMessage(), e);
        }
    }

    static boolean isSkipped(String line) {
        String s = line.strip();
        return s.isEmpty() || s.startsWith("#");
    }

    private static void closeQuietly(BufferedReader reader) {
        try {
            reader.close();
        } catch (IOException ignored) {
            // nothing left to read from it either way
        }
    }
}
