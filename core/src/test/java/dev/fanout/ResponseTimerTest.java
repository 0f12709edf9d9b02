package dev.fanout;

import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP/1.1 response timeout (one handler per connection) where it could differ from Reactor
 * Netty's per-request one: a slow upload, bytes that arrive slowly but steadily, timeouts longer than
 * a long of nanoseconds. Each case also runs through an {@code http2()} client, whose http URLs go
 * over HTTP/1.1 with Reactor Netty's own {@code responseTimeout}, as the reference.
 */
class ResponseTimerTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final int BODY = 32 * 1024 * 1024;

    /**
     * A server that reads nothing of the request for 1.5 s, then reads it all and answers at once: the
     * response timeout (700 ms) starts when the request has been written, not while it uploads.
     */
    private static FetchResult slowReader(FetchClient.Builder builder) throws Exception {
        try (ServerSocket ss = new ServerSocket()) {
            ss.setReceiveBufferSize(64 * 1024);
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread server = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    Thread.sleep(1500);
                    InputStream in = s.getInputStream();
                    readRequestHead(in);
                    new DataInputStream(in).readFully(new byte[BODY]);
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(500);
                } catch (Exception ignored) {
                    // the client gave up: its result says so
                }
            });
            server.setDaemon(true);
            server.start();
            try (FetchClient client = builder.responseTimeout(Duration.ofMillis(700))
                    .requestTimeout(Duration.ofSeconds(20)).retry(RetryPolicy.none()).build()) {
                return client.fetch(FetchRequest.post("http://127.0.0.1:" + ss.getLocalPort() + "/upload")
                        .body(new byte[BODY], "application/octet-stream")).block(Duration.ofSeconds(30));
            } finally {
                server.join(5000);
            }
        }
    }

    @Test
    void theTimeoutStartsWhenTheRequestHasBeenWrittenNotWhileItUploads() throws Exception {
        FetchResult r = slowReader(FetchClient.builder());
        assertThat(r.isSuccess()).as(r.toString()).isTrue();
        assertThat(r.body()).isEqualTo("ok".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void reactorNettysOwnTimeoutAgreesOnTheSlowUpload() throws Exception {
        FetchResult r = slowReader(FetchClient.builder().http2());
        assertThat(r.isSuccess()).as(r.toString()).isTrue();
    }

    /** Reads a request head up to its blank line; a client that closes first ends the server thread. */
    private static void readRequestHead(InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("closed before the request head ended");
            }
            head.append((char) b);
        }
    }

    /** Headers trickled a byte at a time: the gap between reads counts, not between decoded parts. */
    private static FetchResult trickledHead(FetchClient.Builder builder) throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    InputStream in = s.getInputStream();
                    readRequestHead(in);
                    OutputStream out = s.getOutputStream();
                    // 60 header bytes, 25 ms apart: 1.5 s in all, never 400 ms without a byte
                    byte[] response = ("HTTP/1.1 200 OK\r\nX-Slow: " + "a".repeat(17) + "\r\nContent-Length: 2\r\n\r\nok")
                            .getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < response.length - 2; i++) {
                        out.write(response[i]);
                        out.flush();
                        Thread.sleep(25);
                    }
                    out.write(response, response.length - 2, 2);
                    out.flush();
                    Thread.sleep(300);
                } catch (Exception ignored) {
                    // the client gave up: its result says so
                }
            });
            server.setDaemon(true);
            server.start();
            try (FetchClient client = builder.responseTimeout(Duration.ofMillis(400))
                    .retry(RetryPolicy.none()).build()) {
                return client.fetch("http://127.0.0.1:" + ss.getLocalPort() + "/slow-head").block(Duration.ofSeconds(20));
            } finally {
                server.join(5000);
            }
        }
    }

    @Test
    void aHeadArrivingSlowlyButSteadilyIsNotCutShort() throws Exception {
        FetchResult r = trickledHead(FetchClient.builder());
        assertThat(r.isSuccess()).as(r.toString()).isTrue();
    }

    @Test
    void reactorNettysOwnTimeoutAgreesOnTheTrickledHead() throws Exception {
        FetchResult r = trickledHead(FetchClient.builder().http2());
        assertThat(r.isSuccess()).as(r.toString()).isTrue();
    }

    @Test
    void timeoutsBeyondALongOfNanosecondsMeanNoTimeoutAndBreakNothing() {
        Duration millennium = Duration.ofDays(365L * 1000);
        try (FetchClient client = FetchClient.builder().responseTimeout(millennium).requestTimeout(millennium).build()) {
            FetchResult clientWide = client.fetch(server.url("/ok")).block(Duration.ofSeconds(20));
            FetchResult perRequest = client.fetch(FetchRequest.get(server.url("/ok"))
                    .responseTimeout(millennium).timeout(millennium)).block(Duration.ofSeconds(20));

            assertThat(clientWide.isSuccess()).as(clientWide.toString()).isTrue();
            assertThat(perRequest.isSuccess()).as(perRequest.toString()).isTrue();
        }
    }
}
