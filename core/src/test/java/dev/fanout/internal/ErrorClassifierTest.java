package dev.fanout.internal;

import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** The classifier's table, row by row, with real exception instances. */
class ErrorClassifierTest {

    @Test
    void mapsEachKnownThrowableToItsKind() {
        assertThat(ErrorClassifier.kindOf(new TimeoutException("Did not observe any item"))).isEqualTo(Kind.REQUEST_TIMEOUT);
        assertThat(ErrorClassifier.kindOf(new PoolAcquireTimeoutException(Duration.ofSeconds(1)))).isEqualTo(Kind.REQUEST_TIMEOUT);
        assertThat(ErrorClassifier.kindOf(new ConnectTimeoutException("connection timed out"))).isEqualTo(Kind.CONNECT_TIMEOUT);
        assertThat(ErrorClassifier.kindOf(ReadTimeoutException.INSTANCE)).isEqualTo(Kind.RESPONSE_TIMEOUT);
        assertThat(ErrorClassifier.kindOf(new UnknownHostException("nope.invalid"))).isEqualTo(Kind.DNS);
        assertThat(ErrorClassifier.kindOf(new SSLHandshakeException("PKIX path building failed"))).isEqualTo(Kind.TLS);
        assertThat(ErrorClassifier.kindOf(new ConnectException("Connection refused"))).isEqualTo(Kind.CONNECT);
        assertThat(ErrorClassifier.kindOf(new TooLongHttpHeaderException("HTTP header is larger than 8192 bytes")))
                .isEqualTo(Kind.PROTOCOL);
        assertThat(ErrorClassifier.kindOf(new DecoderException("bad chunk"))).isEqualTo(Kind.PROTOCOL);
        assertThat(ErrorClassifier.kindOf(new TooLongFrameException("too long"))).isEqualTo(Kind.PROTOCOL);
        assertThat(ErrorClassifier.kindOf(reactor.netty.http.client.PrematureCloseException.TEST_EXCEPTION))
                .isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(ErrorClassifier.kindOf(new ClosedChannelException())).isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(ErrorClassifier.kindOf(new SocketException("Connection reset"))).isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(ErrorClassifier.kindOf(new IOException("Connection reset by peer"))).isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(ErrorClassifier.kindOf(new CancellationException())).isEqualTo(Kind.CANCELLED);
        assertThat(ErrorClassifier.kindOf(new IllegalStateException("who knows"))).isEqualTo(Kind.UNEXPECTED);
    }

    @Test
    void looksThroughWrappingCauses() {
        RuntimeException wrapped = new RuntimeException("wrapper", new ConnectException("Connection refused"));
        assertThat(ErrorClassifier.kindOf(wrapped)).isEqualTo(Kind.CONNECT);
    }

    @Test
    void aFetchExceptionKeepsItsOwnKind() {
        FetchException fe = new FetchException(Kind.BODY_TOO_LARGE, "GET", "http://h/", 200, "too big", null);
        assertThat(ErrorClassifier.classify(fe, "GET", "http://h/", null, null, null)).isSameAs(fe);
    }

    @Test
    void messagesSayWhatHappenedAndHowLongWasWaited() {
        FetchException e = ErrorClassifier.classify(new ConnectTimeoutException("x"), "GET", "http://127.0.0.1:8080/x",
                Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30));
        assertThat(e.getMessage()).isEqualTo("CONNECT_TIMEOUT GET http://127.0.0.1:8080/x: no connection after 5s");
        assertThat(e.kind().isTimeout()).isTrue();
        assertThat(e.kind().requestNeverSent()).isTrue();

        FetchException r = ErrorClassifier.classify(new TimeoutException(), "POST", "http://h/", Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofMillis(1500));
        assertThat(r.getMessage()).isEqualTo("REQUEST_TIMEOUT POST http://h/: not complete after 1500ms");
        assertThat(r.kind().requestNeverSent()).isFalse();
    }

    @Test
    void humanDurations() {
        assertThat(ErrorClassifier.human(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(ErrorClassifier.human(Duration.ofSeconds(5))).isEqualTo("5s");
        assertThat(ErrorClassifier.human(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(ErrorClassifier.human(Duration.ofMinutes(2))).isEqualTo("2m");
    }

    @Test
    void streamLeftUnprocessedByGoAwayIsConnectionClosedAndNeverProcessed() {
        // what a stream above a GOAWAY's last-stream-id ends with, once UnprocessedStreamWatch has seen the GOAWAY
        Throwable closed = new ClosedChannelException().initCause(io.netty.handler.codec.http2.Http2Exception.streamError(
                3, io.netty.handler.codec.http2.Http2Error.STREAM_CLOSED, "Stream closed before write could take place"));
        Throwable error = new UnprocessedStreamException("GOAWAY (NO_ERROR) received: stream 3 is above its"
                + " last-stream-id, the request was not processed", closed);
        FetchException e = ErrorClassifier.classify(error, "POST", "http://h/x",
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(e.kind()).isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(e.neverProcessed()).isTrue();
        assertThat(e.getMessage()).contains("GOAWAY");
        // the same close without the watch's word is not marked
        assertThat(ErrorClassifier.neverProcessed(closed)).isFalse();
    }

    @Test
    void writeOnAClosedHttp2StreamIsConnectionClosedNotProtocol() {
        // Netty fails a write on a stream closed under it (a reset, a GOAWAY) with a ClosedChannelException
        // caused by an Http2Exception STREAM_CLOSED; Reactor Netty wraps that in its own exceptions
        Throwable closed = new ClosedChannelException().initCause(io.netty.handler.codec.http2.Http2Exception.streamError(
                3, io.netty.handler.codec.http2.Http2Error.STREAM_CLOSED, "Stream closed before write could take place"));
        assertThat(ErrorClassifier.kindOf(new reactor.netty.channel.AbortedException(closed)))
                .isEqualTo(Kind.CONNECTION_CLOSED);
        // an Http2Exception on its own is still a protocol error
        assertThat(ErrorClassifier.kindOf(io.netty.handler.codec.http2.Http2Exception.connectionError(
                io.netty.handler.codec.http2.Http2Error.PROTOCOL_ERROR, "bad frame"))).isEqualTo(Kind.PROTOCOL);
    }
}
