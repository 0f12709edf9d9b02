package dev.fanout.benchmarks.micro;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.FetchClient;
import dev.fanout.FetchException;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.internal.ConnectionPermits;
import dev.fanout.internal.ErrorClassifier;
import dev.fanout.internal.RequestValidator;
import dev.fanout.internal.ValidatedRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.timeout.ReadTimeoutException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.PrematureCloseException;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The per-request cost of the pipeline stages that never touch the network, one benchmark per
 * stage. With {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes each allocates per request.
 *
 * <pre>
 * ./benchmarks/run.sh --micro                   (or, after a build:)
 * java -cp 'benchmarks/target/fanout-benchmarks.jar:benchmarks/target/lib/*' org.openjdk.jmh.Main \
 *      -prof gc -f 1 -wi 3 -w 1s -i 5 -r 1s 'dev.fanout.benchmarks.micro.*'
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PipelineStagesBench {

    private static final String URL = "http://127.0.0.1:8080/items/42?page=1";
    private static final int BATCH = 1000;

    private final ObjectMapper mapper = new ObjectMapper();
    private final RequestValidator validator = new RequestValidator(mapper);
    private final FetchRequest request = FetchRequest.get(URL);
    private final ConnectionPermits permits = new ConnectionPermits(256);
    private final Mono<String> work = Mono.just("response");
    private final HttpHeaders headers = new DefaultHttpHeaders()
            .add(HttpHeaderNames.CONTENT_TYPE, "application/json")
            .add(HttpHeaderNames.CONTENT_LENGTH, "1024");
    private final byte[] body = new byte[1024];
    private final Throwable timeout = new TimeoutException("Did not observe any item or terminal signal");
    private final Throwable refused = new ConnectException("Connection refused");
    private final Throwable reset = new IOException("Connection reset by peer");
    private final Throwable premature = PrematureCloseException.TEST_EXCEPTION;
    private final List<String> invalidUrls = Collections.nCopies(BATCH, "http:///no-host");
    private ValidatedRequest validated;
    private FetchClient client;
    private Sink sink;

    @Setup
    public void setUp(Blackhole bh) {
        sink = new Sink(bh);
        validated = validator.validate(request);
        client = FetchClient.builder().concurrency(256).maxConnectionsPerHost(256).build();
    }

    @TearDown
    public void tearDown() {
        client.close();
    }

    /** Checking method, URL and headers, parsing the URL: once per request. */
    @Benchmark
    public ValidatedRequest validate() {
        return validator.validate(request);
    }

    /** Taking and giving back a client-wide connection permit when one is free (one CAS each way). */
    @Benchmark
    public void permitFastPath() {
        permits.withPermit(work).subscribe(sink);
    }

    /** Classifying the first row of the table (a request timeout). */
    @Benchmark
    public FetchException.Kind classifyTimeout() {
        return ErrorClassifier.kindOf(timeout);
    }

    /** Classifying a refused connection (row 8 of 17). */
    @Benchmark
    public FetchException.Kind classifyRefused() {
        return ErrorClassifier.kindOf(refused);
    }

    /** Classifying a reset connection: the last row, the whole table walked. */
    @Benchmark
    public FetchException.Kind classifyReset() {
        return ErrorClassifier.kindOf(reset);
    }

    /** Classifying a premature close into the exception a failure carries (message built). */
    @Benchmark
    public FetchException classifyPrematureWithMessage() {
        return ErrorClassifier.classify(premature, "GET", URL, Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(30));
    }

    /** Building a successful result from a response, as the pipeline does after the body is read. */
    @Benchmark
    public FetchResult successResult() {
        return FetchResult.success(7, validated.request(), 200, headers, body, Duration.ofNanos(123_456), 1, mapper);
    }

    /** Building the failure for a response timeout, classification included. */
    @Benchmark
    public FetchResult failureResult() {
        FetchException error = ErrorClassifier.classify(ReadTimeoutException.INSTANCE, "GET", validated.safeUrl(),
                Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30));
        return FetchResult.failure(7, validated.request(), error, 0, null, null, Duration.ofNanos(123_456), 1,
                mapper);
    }

    /**
     * {@code fetchAll} of 1,000 requests that end before the network (no host: INVALID_REQUEST):
     * request creation, the pipeline's entry, validation, a failure result and the gather
     * assembler, per request.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public List<FetchResult> gatherInvalid() {
        return client.fetchAll(invalidUrls).block();
    }

    /** A stateless subscriber that takes everything: reusable, so the benchmark measures the permit, not the sink. */
    private static final class Sink implements CoreSubscriber<String> {
        private final Blackhole bh;

        Sink(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String s) {
            bh.consume(s);
        }

        @Override
        public void onError(Throwable t) {
            bh.consume(t);
        }

        @Override
        public void onComplete() {
        }
    }
}
