package dev.fanout.protocol;

import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.fanout.FetchClient;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.testing.ForkedJvm;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Content codings against a real server (HTTP/1.1 and cleartext HTTP/2 on one port) that serves
 * bodies compressed in the test with the same libraries: what Fanout asks for, that each coding it
 * asks for comes back decoded, that decoded bytes count against the body limit, and — in a JVM
 * without brotli4j and zstd-jni — that it then asks only for what it can decode.
 */
class ContentEncodingTest {

    /** A body of about 600 KiB that compresses well but not absurdly: decoded in many pieces. */
    static final byte[] BODY = body();
    static final Map<String, byte[]> ENCODED = Map.ofEntries(
            Map.entry("gzip", gzip(BODY)), Map.entry("deflate", deflate(BODY, false)),
            Map.entry("deflate-raw", deflate(BODY, true)), Map.entry("br", brotli(BODY)),
            Map.entry("zstd", Zstd.compress(BODY, 3)),
            // 4 MiB of zeros: a few KiB on the wire
            Map.entry("zstd-4m", Zstd.compress(new byte[4 << 20], 3)), Map.entry("br-4m", brotli(new byte[4 << 20])),
            // a frame that needs a 16 MiB window, and one that needs 8 MiB (the zstd coding's limit)
            Map.entry("zstd-window24", zstdWithWindow(24)), Map.entry("zstd-window23", zstdWithWindow(23)),
            // not what they say they are
            Map.entry("zstd-corrupt", "not zstd at all, not even close".getBytes(StandardCharsets.UTF_8)),
            Map.entry("br-corrupt", "\u00ff\u00ff not brotli at all, not even close".getBytes(StandardCharsets.ISO_8859_1)),
            Map.entry("gzip-corrupt", "not gzip at all, not even close".getBytes(StandardCharsets.UTF_8)),
            Map.entry("deflate-corrupt", "\u0078\u009c not deflate at all, not even close".getBytes(StandardCharsets.ISO_8859_1)),
            // cut short inside the compressed stream (the Content-Length is that of the cut body)
            Map.entry("gzip-truncated", Arrays.copyOf(gzip(BODY), 2000)),
            Map.entry("br-truncated", Arrays.copyOf(brotli(BODY), 2000)),
            Map.entry("zstd-truncated", Arrays.copyOf(Zstd.compress(BODY, 3), 2000)));

    static DisposableServer server;

    @BeforeAll
    static void start() {
        server = HttpServer.create().host("127.0.0.1").port(0).protocol(HttpProtocol.HTTP11, HttpProtocol.H2C)
                .handle(ContentEncodingTest::handle).bindNow(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        server.disposeNow(Duration.ofSeconds(5));
    }

    /** /ae: every Accept-Encoding line received, joined by "|"; /enc/{name}: ENCODED[name] with its Content-Encoding. */
    static Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        String path = new QueryStringDecoder(req.uri()).path();
        if (path.equals("/ae")) {
            return res.sendString(Mono.just(String.join("|", req.requestHeaders().getAll(HttpHeaderNames.ACCEPT_ENCODING))));
        }
        if (path.startsWith("/enc/")) {
            String name = path.substring(5);
            byte[] bytes = ENCODED.get(name);
            String coding = name.replaceAll("-.*", "");
            return res.header(HttpHeaderNames.CONTENT_ENCODING, coding)
                    .header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(bytes.length))
                    // 16 KiB writes, like a real server
                    .sendByteArray(Flux.range(0, (bytes.length + 16383) / 16384)
                            .map(i -> Arrays.copyOfRange(bytes, i * 16384, Math.min(bytes.length, (i + 1) * 16384))));
        }
        return res.status(HttpResponseStatus.NOT_FOUND).send();
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    private static FetchResult fetch(FetchClient client, String path) {
        return client.fetch(FetchRequest.get(url(path))).block(Duration.ofSeconds(20));
    }

    @Test
    void asksForEveryCodingItCanDecodeInOneHeader() {
        try (FetchClient h1 = FetchClient.create(); FetchClient h2c = FetchClient.builder().h2cPriorKnowledge().build()) {
            assertThat(fetch(h1, "/ae").bodyAsString()).isEqualTo("gzip, deflate, br, zstd");
            assertThat(fetch(h2c, "/ae").bodyAsString()).isEqualTo("gzip, deflate, br, zstd");
        }
    }

    @Test
    void aDefaultHeaderWinsAndCompressionOffAsksForNothing() {
        try (FetchClient identity = FetchClient.builder().defaultHeader("Accept-Encoding", "identity").build();
             FetchClient off = FetchClient.builder().compression(false).build()) {
            assertThat(fetch(identity, "/ae").bodyAsString()).isEqualTo("identity");
            assertThat(fetch(off, "/ae").bodyAsString()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({"gzip, h1", "deflate, h1", "deflate-raw, h1", "br, h1", "zstd, h1",
            "gzip, h2c", "deflate, h2c", "br, h2c", "zstd, h2c"})
    void eachOfferedCodingIsDecoded(String name, String protocol) {
        FetchClient.Builder b = FetchClient.builder();
        try (FetchClient client = (protocol.equals("h2c") ? b.h2cPriorKnowledge() : b).build()) {
            for (int i = 0; i < 3; i++) { // a reused connection (or stream channel) decodes the same way
                FetchResult r = fetch(client, "/enc/" + name);
                assertThat(r.isSuccess()).as(r.toString()).isTrue();
                assertThat(r.body()).as("decoded").isEqualTo(BODY);
                assertThat(r.header("Content-Encoding")).as("decoded bodies lose their coding").isNull();
            }
            assertThat(ENCODED.get(name).length).isLessThan(BODY.length / 4);
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({"zstd-4m, h1", "br-4m, h1", "zstd-4m, h2c", "br-4m, h2c"})
    void decodedBytesCountAgainstTheBodyLimit(String name, String protocol) {
        FetchClient.Builder b = FetchClient.builder().maxBodySize(1024 * 1024);
        try (FetchClient client = (protocol.equals("h2c") ? b.h2cPriorKnowledge() : b).build()) {
            assertThat(ENCODED.get(name).length).isLessThan(64 * 1024);
            FetchResult r = fetch(client, "/enc/" + name);
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.BODY_TOO_LARGE);
        }
        try (FetchClient roomy = FetchClient.builder().maxBodySize(8 << 20).build()) {
            FetchResult r = fetch(roomy, "/enc/" + name);
            assertThat(r.body()).as(r.toString()).hasSize(4 << 20);
        }
    }

    @ParameterizedTest(name = "over {0}")
    @CsvSource({"h1", "h2c"})
    void aZstdFrameNeedingMoreThanAnEightMibWindowIsRefused(String protocol) {
        FetchClient.Builder b = FetchClient.builder().maxBodySize(64 << 20);
        try (FetchClient client = (protocol.equals("h2c") ? b.h2cPriorKnowledge() : b).build()) {
            FetchResult big = fetch(client, "/enc/zstd-window24");
            assertThat(big.kind()).as(big.toString()).isEqualTo(Kind.PROTOCOL);
            assertThat(big.error().orElseThrow().getMessage()).containsIgnoringCase("window");
            FetchResult ok = fetch(client, "/enc/zstd-window23");
            assertThat(ok.isSuccess()).as(ok.toString()).isTrue();
            assertThat(ok.body()).hasSize(20 << 20);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"zstd-corrupt", "br-corrupt", "gzip-corrupt", "deflate-corrupt"})
    void aCorruptBodyIsAProtocolFailure(String name) {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = fetch(client, "/enc/" + name);
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.PROTOCOL);
        }
    }

    /**
     * Pinned, not wanted: Netty ends a decoder at the end of the body without asking whether the
     * compressed stream was complete, so a body cut short inside it (with a Content-Length that matches the
     * cut) is a success holding the bytes decoded so far. Known limitation; see the README.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"gzip-truncated", "br-truncated", "zstd-truncated"})
    void aCompressedStreamCutShortIsNotDetected(String name) {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = fetch(client, "/enc/" + name);
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.body().length).isLessThan(BODY.length);
            assertThat(Arrays.equals(r.body(), 0, r.body().length, BODY, 0, r.body().length))
                    .as("a prefix of the body (zstd: empty, its first block was not complete)").isTrue();
        }
    }

    /**
     * In a JVM without brotli4j and zstd-jni: Accept-Encoding is "gzip, deflate", and a server that sends
     * zstd anyway gets its bytes back as they came, with their Content-Encoding.
     */
    @Test
    void withoutTheOptionalDecodersOnlyGzipAndDeflateAreAskedFor() throws Exception {
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("brotli4j") && !entry.contains("zstd-jni"))
                .collect(Collectors.joining(File.pathSeparator));
        ForkedJvm.Outcome run = ForkedJvm.run(Duration.ofSeconds(60), List.of("-Xmx64m"), classpath,
                ContentEncodingProbeMain.class, url("/ae"), url("/enc/zstd"));
        assertThat(run.ended()).as(run.output()).isTrue();
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("brotli=false zstd=false")
                .contains("accept-encoding=gzip, deflate\n")
                .contains("zstd-body content-encoding=zstd sha=" + ContentEncodingProbeMain.sha(ENCODED.get("zstd")));
    }

    private static byte[] body() {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < 12_000; i++) {
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"name\":\"item-")
                    .append(Integer.toHexString(i * 2654435761L > 0 ? (int) (i * 2654435761L) : i)).append("\"}");
        }
        return json.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(in);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    /** zlib-wrapped as RFC 9110 says, or raw as some servers send it (Netty reads both). */
    private static byte[] deflate(byte[] in, boolean raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION, raw))) {
            d.write(in);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    private static byte[] brotli(byte[] in) {
        try {
            com.aayushatharva.brotli4j.Brotli4jLoader.ensureAvailability();
            return Encoder.compress(in, new Encoder.Parameters().setQuality(5));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * 20 MiB of zeros in a frame that says it needs a window of 2^windowLog bytes, without its content
     * size (as a streaming server sends it): a decoder must set that much memory aside.
     */
    private static byte[] zstdWithWindow(int windowLog) {
        try (ZstdCompressCtx ctx = new ZstdCompressCtx().setLevel(1).setWindowLog(windowLog).setContentSize(false)) {
            return ctx.compress(new byte[20 << 20]);
        }
    }
}
