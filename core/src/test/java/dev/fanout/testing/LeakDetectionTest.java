package dev.fanout.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The leak check the other tests rely on can fail: it catches a buffer that was never released. */
class LeakDetectionTest {

    @Test
    void runsAtParanoidLevel() {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }

    @Test
    void reportsABufferThatWasNeverReleased() {
        leakOne();
        assertThatThrownBy(LeakDetection::assertNoLeaks)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("leak");
        LeakDetection.assertNoLeaks(); // the report was consumed
    }

    private static void leakOne() {
        ByteBuf leaked = Unpooled.directBuffer(64);
        leaked.writeLong(42);
        // dropped without release()
    }
}
