package dev.fanout.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Installs, before any Netty buffer class loads, a leak detector that records every leak report,
 * so tests can fail on one ({@link #assertNoLeaks()}). Registered as a JUnit launcher session
 * listener; the build runs with {@code -Dio.netty.leakDetection.level=paranoid}.
 */
public final class LeakDetection implements LauncherSessionListener {

    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        // the static initializer above did the work; this forces it to run first
    }

    /**
     * Gives the collector a chance to find unreleased buffers, makes the detector look, and fails
     * with every report so far.
     */
    public static void assertNoLeaks() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // The detector reports queued leaks when a new buffer is tracked.
            for (ByteBufAllocator alloc : List.of(ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT,
                    UnpooledByteBufAllocator.DEFAULT)) {
                ByteBuf b = alloc.directBuffer(8);
                b.release();
                b = alloc.heapBuffer(8);
                b.release();
            }
        }
        List<String> leaks = new ArrayList<>();
        String leak;
        while ((leak = LEAKS.poll()) != null) {
            leaks.add(leak);
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError("Netty reported " + leaks.size() + " leak(s):\n" + String.join("\n---\n", leaks));
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return new ResourceLeakDetector<T>(resource, samplingInterval) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    LEAKS.add(resourceType + " leak:" + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    LEAKS.add(resourceType + " leak (untraced)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }
    }
}
