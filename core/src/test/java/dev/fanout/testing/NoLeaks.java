package dev.fanout.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After every test of the build, fails it on a Netty leak report ({@link LeakDetection}). Registered
 * for all tests by JUnit's extension auto-detection, so no test class can forget it; it runs after
 * the test's own clean-up (extensions registered later, such as {@link Closer}, close first).
 */
public final class NoLeaks implements AfterEachCallback {

    @Override
    public void afterEach(ExtensionContext context) {
        LeakDetection.assertNoLeaks();
    }
}
