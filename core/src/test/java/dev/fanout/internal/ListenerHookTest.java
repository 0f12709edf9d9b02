package dev.fanout.internal;

import dev.fanout.BatchProgress;
import dev.fanout.FetchException;
import dev.fanout.FetchListener;
import dev.fanout.FetchRequest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** The retry notification the retry stage will send through the hook. */
class ListenerHookTest {

    @Test
    void retryReachesTheListenerAndItsExceptionsStayThere() {
        BatchProgress progress = new BatchProgress();
        FetchRequest request = FetchRequest.get("http://127.0.0.1:1/");
        FetchException cause = new FetchException(FetchException.Kind.CONNECT, "GET", "http://127.0.0.1:1/", 0,
                "refused", null);

        new ListenerHook(progress).retry(request, 0, 2, cause);
        assertThat(progress.snapshot().retries()).isEqualTo(1);

        FetchListener faulty = new FetchListener() {
            @Override
            public void onRetry(FetchRequest r, long index, int attempt, FetchException c) {
                throw new IllegalStateException("boom");
            }
        };
        assertThatCode(() -> new ListenerHook(faulty).retry(request, 0, 2, cause)).doesNotThrowAnyException();
    }
}
