package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.examples.server.SampleApiServer;

import reactor.core.publisher.Flux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Error handling by kind: every failure is a result whose {@code kind()} says what happened, so
 * one {@code switch} handles them. Shown here against local servers: a timeout, a refused
 * connection, a TLS failure (an https URL to a local port that answers with plain text instead of
 * a TLS handshake), a 404, a 429 with its {@code Retry-After}, and an invalid URL.
 */
public final class ErrorKinds {

    public static void main(String[] args) throws IOException {
        try (SampleApiServer api = SampleApiServer.start();
             ServerSocket notTls = plainTextServer();
             FetchClient client = FetchClient.builder().requestTimeout(Duration.ofSeconds(10)).build()) {
            List<FetchRequest> requests = List.of(
                    FetchRequest.get(api.url("/delay/3000")).timeout(Duration.ofMillis(500)),
                    FetchRequest.get("http://127.0.0.1:" + closedPort() + "/"),
                    FetchRequest.get("https://127.0.0.1:" + notTls.getLocalPort() + "/"),
                    FetchRequest.get(api.url("/v1/sample-data/nothing")),
                    FetchRequest.get(api.url("/status/429")),
                    FetchRequest.get("http://bad host/"));

            for (FetchResult r : client.fetchAll(Flux.fromIterable(requests)).block()) {
                if (r.isSuccess()) {
                    System.out.printf("  %-16s %d%n", "ok", r.status());
                    continue;
                }
                String what = switch (r.kind()) {
                    case REQUEST_TIMEOUT, RESPONSE_TIMEOUT, CONNECT_TIMEOUT -> "timed out: try later or allow longer";
                    case CONNECT, DNS -> "server unreachable: " + r.error().get().getMessage();
                    case TLS -> "TLS failed: check the certificate or the scheme";
                    case HTTP_STATUS -> r.status() == 429
                            ? "rate limited, Retry-After " + r.header("Retry-After") + " s"
                            : "HTTP " + r.status() + ": " + r.bodyAsString();
                    case INVALID_REQUEST -> "not sent: " + r.error().get().getMessage();
                    default -> "other: " + r.error().get().getMessage();
                };
                System.out.printf("  %-16s %s%n", r.kind(), what);
            }
        }
    }

    /** A TCP server that answers every connection with a line of plain text and hangs up. */
    private static ServerSocket plainTextServer() {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        s.getOutputStream().write("this is not TLS\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException closed) {
                        // closed by the example when done, or the client hung up first
                    }
                }
            }, "plain-text-server");
            acceptor.setDaemon(true);
            acceptor.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A port nothing listens on: bound, then released. */
    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ErrorKinds() {
    }
}
