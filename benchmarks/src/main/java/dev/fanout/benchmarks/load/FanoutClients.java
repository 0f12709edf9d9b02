package dev.fanout.benchmarks.load;

import dev.fanout.FetchClient;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import reactor.core.publisher.Flux;

import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;

/** Fanout, configured for one host at {@code concurrency}: per-host and client-wide connections equal to it. */
final class FanoutClients {

    private FanoutClients() {
    }

    static FetchClient build(int concurrency, UnaryOperator<FetchClient.Builder> customize) {
        return customize.apply(FetchClient.builder()
                .concurrency(concurrency)
                .maxConnectionsPerHost(concurrency)
                .maxConnections(concurrency)).build();
    }

    static void count(FetchResult r, Check check, Tally tally) {
        if (r.isSuccess()) {
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

        AsCompleted(int concurrency, UnaryOperator<FetchClient.Builder> customize) {
            this.client = build(concurrency, customize);
        }

        @Override
        public void run(String url, int n, Check check, Tally tally) {
            client.fetchAsCompleted(Collections.nCopies(n, url))
                    .doOnNext(r -> count(r, check, tally))
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
            List<FetchResult> all = client.fetchAll(Collections.nCopies(n, url)).block();
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
