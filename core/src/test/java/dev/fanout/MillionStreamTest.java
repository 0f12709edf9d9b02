package dev.fanout;

import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;

import static dev.fanout.testing.PoolAssertions.assertPoolQuiet;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A million requests from a generator through fetchAsCompleted in a small heap. Runs in its own
 * JVM with {@code -Xmx64m} (the "volume" surefire execution); the count can be lowered with
 * {@code -Dfanout.volume.count=N}.
 */
@Tag("volume")
class MillionStreamTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void aMillionItemPublisherStreamsInBoundedMemoryWithEveryInputAccountedFor() {
        int count = Integer.getInteger("fanout.volume.count", 1_000_000);
        long maxHeap = Runtime.getRuntime().maxMemory();
        AtomicLong generated = new AtomicLong();
        Flux<FetchRequest> requests = Flux.<FetchRequest, Integer>generate(() -> 0, (i, sink) -> {
            sink.next(FetchRequest.get(server.url("/ok")));
            generated.incrementAndGet();
            if (i + 1 == count) {
                sink.complete();
            }
            return i + 1;
        });
        BitSet seen = new BitSet(count);
        long[] successes = {0};
        long[] maxUsed = {0};
        try (FetchClient client = FetchClient.builder().concurrency(128).maxConnectionsPerHost(128).build()) {
            client.fetchAsCompleted(requests).doOnNext(r -> {
                int i = (int) r.index();
                assertThat(seen.get(i)).as("duplicate %s", i).isFalse();
                seen.set(i);
                if (r.isSuccess()) {
                    successes[0]++;
                }
                if ((i & 0xFFFF) == 0) {
                    maxUsed[0] = Math.max(maxUsed[0],
                            ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                }
            }).blockLast(Duration.ofMinutes(5));
            assertPoolQuiet(client);
        }
        assertThat(generated.get()).isEqualTo(count);
        assertThat(seen.cardinality()).isEqualTo(count);
        assertThat(successes[0]).isEqualTo(count);
        assertThat(server.totalHits()).isEqualTo(count);
        System.out.printf("streamed %d requests, max heap %d MiB, heap used at most %d MiB%n", count,
                maxHeap >> 20, maxUsed[0] >> 20);
        assertThat(maxUsed[0]).isLessThan(maxHeap);
    }
}
