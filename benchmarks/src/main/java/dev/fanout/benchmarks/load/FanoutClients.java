package dev.fanout.benchmarks.load;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.FetchClient;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import reactor.core.publisher.Flux;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Fanout, configured for one host at {@code concurrency}: per-host and client-wide connections equal to it.
 * The {@code h2c} variant adds {@code h2cPriorKnowledge()} (then {@code maxConnectionsPerHost} counts
 * streams in flight to the host, multiplexed on as few connections as the server's stream limit allows)
 * and passes a response only if it came over HTTP/2.
 */
final class FanoutClients {

    private FanoutClients() {
    }

    static FetchClient build(int concurrency, UnaryOperator<FetchClient.Builder> customize) {
        return customize.apply(FetchClient.builder()
                .concurrency(concurrency)
                .maxConnectionsPerHost(concurrency)
                .maxConnections(concurrency)).build();
    }

    /**
     * The requests of a run. For a JSON check (S3) a streaming client asks Fanout to decode each body
     * in the pipeline ({@code FetchRequest.decode}), on the I/O thread that received it, as the other
     * clients decode inside their per-request callbacks; the check then reads the decoded tree.
     * {@code fetchAll} does not: it holds every result until the end, and 2,000 decoded 100 KB trees
     * next to their bodies do not fit its heap; it decodes each result as it counts it.
     */
    static Flux<FetchRequest> requests(String url, int n, Check check, boolean decodeInPipeline) {
        FetchRequest request = decodeInPipeline && check.jsonItems() >= 0
                ? FetchRequest.get(url).decode(JsonNode.class) : FetchRequest.get(url);
        return Flux.range(0, n).map(i -> request);
    }

    /**
     * Reactor Netty marks a response that arrived on an HTTP/2 stream with this header (Netty's
     * {@code HttpConversionUtil.ExtensionHeaderNames.STREAM_ID}); Fanout hands the headers on as they came.
     */
    static final String H2_STREAM_ID = "x-http2-stream-id";

    static void count(FetchResult r, Check check, Tally tally, boolean h2c) {
        if (h2c && r.status() > 0 && r.header(H2_STREAM_ID) == null) {
            tally.response(r.status(), false); // answered, but not over HTTP/2: not what this client measures
        } else {
            count(r, check, tally);
        }
    }

    static void count(FetchResult r, Check check, Tally tally) {
        if (r.isSuccess() && r.request().decodeAs() != null) {
            JsonNode items = r.json().get("items");
            tally.response(r.status(), items != null && items.size() == check.jsonItems());
        } else if (r.isSuccess()) {
            tally.response(r.status(), check.ok(r.status(), r.body()));
        } else if (r.status() > 0) {
            tally.response(r.status(), false);
        } else {
            tally.error(String.valueOf(r.kind()));
        }
    }

    /** {@code fetchAsCompleted}: results streamed in completion order, counted and dropped. */
    static final class AsCompleted implements LoadClient {
        private final FetchClient client;
        private final boolean h2c;

        AsCompleted(int concurrency, UnaryOperator<FetchClient.Builder> customize) {
            this(concurrency, customize, false);
        }

        AsCompleted(int concurrency, UnaryOperator<FetchClient.Builder> customize, boolean h2c) {
            this.client = build(concurrency, h2c ? b -> customize.apply(b).h2cPriorKnowledge() : customize);
            this.h2c = h2c;
        }

        @Override
        public void run(String url, int n, Check check, Tally tally) {
            client.fetchAsCompleted(requests(url, n, check, true))
                    .doOnNext(r -> count(r, check, tally, h2c))
                    .blockLast();
        }

        /** S4: {@code n} distinct URLs made on demand by a generator, never held in memory. */
        void runGenerated(String url, long n, Check check, Tally tally) {
            Flux<FetchRequest> generated = Flux.<Long, Long>generate(() -> 0L, (i, sink) -> {
                if (i < n) {
                    sink.next(i);
                } else {
                    sink.complete();
                }
                return i + 1;
            }).map(i -> FetchRequest.get(url + "?i=" + i));
            client.fetchAsCompleted(generated)
                    .doOnNext(r -> count(r, check, tally))
                    .blockLast();
        }

        @Override
        public void close() {
            client.close();
        }
    }

    /** {@code fetchAll}: every result held in a list in input order, then counted. */
    static final class All implements LoadClient {
        private final FetchClient client;

        All(int concurrency, UnaryOperator<FetchClient.Builder> customize) {
            this.client = build(concurrency, customize);
        }

        @Override
        public void run(String url, int n, Check check, Tally tally) {
            List<FetchResult> all = client.fetchAll(requests(url, n, check, false)).block();
            for (FetchResult r : all) {
                count(r, check, tally);
            }
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
