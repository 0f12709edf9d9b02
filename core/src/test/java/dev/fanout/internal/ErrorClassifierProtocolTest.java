package dev.fanout.internal;

import dev.fanout.FetchException.Kind;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rows for the raw exceptions the fault suite's malformed responses produce, taken from Netty's
 * own decoder (a garbage status line: IllegalArgumentException; a chunk size that is not hex:
 * NumberFormatException), both thrown from io.netty.handler.codec.http and classified PROTOCOL.
 */
class ErrorClassifierProtocolTest {

    private static Throwable decoderFailure(String response) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpResponseDecoder());
        try {
            channel.writeInbound(Unpooled.copiedBuffer(response, StandardCharsets.ISO_8859_1));
            Object msg;
            while ((msg = channel.readInbound()) != null) {
                try {
                    DecoderResult result = ((HttpObject) msg).decoderResult();
                    if (result.isFailure()) {
                        return result.cause();
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
            throw new AssertionError("the decoder accepted " + response);
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aGarbageStatusLineIsProtocol() {
        Throwable cause = decoderFailure("HTPT/1.x two hundred\r\nContent-Length: 2\r\n\r\nok");
        assertThat(cause).isInstanceOf(IllegalArgumentException.class);
        assertThat(ErrorClassifier.kindOf(cause)).isEqualTo(Kind.PROTOCOL);
    }

    @Test
    void brokenChunkedEncodingIsProtocol() {
        Throwable cause = decoderFailure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz-not-hex\r\n");
        assertThat(cause).isInstanceOf(NumberFormatException.class);
        assertThat(ErrorClassifier.kindOf(cause)).isEqualTo(Kind.PROTOCOL);
    }

    @Test
    void anIllegalArgumentFromElsewhereIsNot() {
        assertThat(ErrorClassifier.kindOf(new IllegalArgumentException("mine"))).isEqualTo(Kind.UNEXPECTED);
    }
}
