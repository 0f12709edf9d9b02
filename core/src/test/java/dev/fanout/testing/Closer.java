package dev.fanout.testing;

import dev.fanout.FetchClient;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Closes what a test opened, in order, after the test; a {@link FetchClient} must first have given
 * back every connection ({@link PoolAssertions#assertPoolQuiet}).
 * {@code @RegisterExtension final Closer closer = new Closer();} then {@code closer.add(client)}.
 */
public final class Closer implements AfterEachCallback {

    private final List<AutoCloseable> opened = new ArrayList<>();

    /** Registers {@code resource} to be closed after the test, and returns it. */
    public <T extends AutoCloseable> T add(T resource) {
        opened.add(resource);
        return resource;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            for (AutoCloseable c : opened) {
                if (c instanceof FetchClient client) {
                    PoolAssertions.assertPoolQuiet(client);
                }
            }
        } finally {
            for (AutoCloseable c : opened) {
                c.close();
            }
            opened.clear();
        }
    }
}
