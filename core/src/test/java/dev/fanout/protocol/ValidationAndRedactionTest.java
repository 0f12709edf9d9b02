package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.internal.Redaction;
import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** URL and header validation against a real server, and credentials that never leak into results. */
class ValidationAndRedactionTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    static final FetchClient client = FetchClient.builder().defaultHeader("Cookie", "session=defaultsecret").build();

    @AfterAll
    static void close() {
        client.close();
    }

    private static FetchResult fetch(FetchRequest request) {
        return client.fetch(request).block(Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)", "127.0.0.1/x",
            "http:///x", "http://", "http://127.0.0.1:0/x", "http://127.0.0.1:65536/x", "http://127.0.0.1:99999999999/x",
            "http://127.0.0.1/a b", "http://127.0.0.1/a\rb", "http://127.0.0.1/a\nSet-Cookie: x", "http://127.0.0.1/\0",
            "http://127.0.0.1/\t", "http://127.0.0.1/\u007f", "HTTP://127.0.0.1:-1/x", "http://[::1/x", ""})
    void badUrlsAreInvalidRequestsAndNothingIsSent(String url) {
        server.reset();
        FetchResult r = fetch(FetchRequest.get(url.replace("127.0.0.1", "127.0.0.1:" + server.port())
                .replace(":" + server.port() + ":", ":")));

        assertThat(r.kind()).as(url).isEqualTo(Kind.INVALID_REQUEST);
        assertThat(r.attempts()).isZero();
        assertThat(server.totalHits()).isZero();
    }

    @Test
    void nullUrlIsAnInvalidRequest() {
        assertThat(fetch(FetchRequest.get(null)).kind()).isEqualTo(Kind.INVALID_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\r\nInjected: 1", "a\nb", "a\rb", "a\0b"})
    void headerValuesWithCrLfOrNulAreRejected(String value) {
        server.reset();
        FetchResult r = fetch(FetchRequest.get(server.url("/echo")).header("X-Test", value));

        assertThat(r.kind()).isEqualTo(Kind.INVALID_REQUEST);
        assertThat(r.error().orElseThrow().getMessage()).doesNotContain("\r", "\n", "\0");
        assertThat(server.totalHits()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"X-Test\r\nInjected", "X Test", "X:Test", "", "X\0", "Ä"})
    void headerNamesThatAreNotTokensAreRejected(String name) {
        FetchResult r = fetch(FetchRequest.get(server.url("/echo")).header(name, "v"));

        assertThat(r.kind()).isEqualTo(Kind.INVALID_REQUEST);
        assertThat(server.totalHits()).isZero();
    }

    @Test
    void methodThatIsNotATokenIsRejected() {
        assertThat(fetch(FetchRequest.of("GET /x HTTP/1.1\r\n", server.url("/echo"))).kind())
                .isEqualTo(Kind.INVALID_REQUEST);
    }

    @Test
    void percentEncodedCrLfStaysEncodedOnTheWire() {
        FetchResult r = fetch(FetchRequest.get(server.url("/echo/a%0d%0aSet-Cookie:%20x?q=%0D%0A")));

        assertThat(r.isSuccess()).as(r.toString()).isTrue();
        assertThat(r.json().get("path").asText()).isEqualTo("/echo/a%0d%0aSet-Cookie:%20x?q=%0D%0A");
        assertThat(r.json().get("headers").has("set-cookie")).isFalse();
    }

    @Test
    void userInfoBecomesBasicAuthAndNeverAppearsInTheResult() {
        String url = "http://alice:s3cr%40t@127.0.0.1:" + server.port() + "/echo";
        FetchResult r = fetch(FetchRequest.get(url));

        assertThat(r.isSuccess()).as(r.toString()).isTrue();
        String expected = "Basic " + Base64.getEncoder().encodeToString("alice:s3cr@t".getBytes(StandardCharsets.UTF_8));
        assertThat(r.json().get("headers").get("authorization").asText()).isEqualTo(expected);
        assertThat(r.request().url()).isEqualTo(server.url("/echo"));
        assertThat(r.toString()).doesNotContain("s3cr", "alice", expected.substring(6));
        assertThat(r.request().toString()).doesNotContain("s3cr", expected.substring(6));
    }

    @Test
    void userInfoNeverAppearsInFailureMessages() {
        // A closed port: the failure message names the URL.
        FetchResult refused = fetch(FetchRequest.get("http://bob:hunter2@127.0.0.1:1/x"));
        assertThat(refused.kind()).isEqualTo(Kind.CONNECT);
        assertThat(refused.error().orElseThrow().getMessage()).doesNotContain("hunter2").contains("127.0.0.1:1/x");
        assertThat(refused.toString()).doesNotContain("hunter2");

        FetchResult status = fetch(FetchRequest.get("http://bob:hunter2@127.0.0.1:" + server.port() + "/status/500"));
        assertThat(status.kind()).isEqualTo(Kind.HTTP_STATUS);
        assertThat(status.error().orElseThrow().getMessage()).doesNotContain("hunter2");

        for (String bad : new String[] {"ftp://bob:hunter2@h/x", "http:bob:hunter2@h", "http:\\\\bob:hunter2@h\\x",
                "http://bob:hun@ter2@h/x", "http://bob:hunter2@h:99999/"}) {
            FetchResult r = fetch(FetchRequest.get(bad));
            assertThat(r.kind()).as(bad).isEqualTo(Kind.INVALID_REQUEST);
            assertThat(r.error().orElseThrow().getMessage()).as(bad).doesNotContain("hunter2", "ter2");
            assertThat(r.toString()).doesNotContain("hunter2", "ter2");
        }
    }

    @Test
    void secretHeadersAreRedactedInEveryToString() {
        FetchRequest request = FetchRequest.get(server.url("/echo"))
                .header("Authorization", "Bearer tok3n").header("cookie", "a=b")
                .header("Proxy-Authorization", "Basic cHJveHk=").header("X-Visible", "shown");
        assertThat(request.toString()).doesNotContain("tok3n", "a=b", "cHJveHk=").contains("shown");

        FetchResult r = fetch(request);
        assertThat(r.isSuccess()).isTrue();
        assertThat(r.toString()).doesNotContain("tok3n", "a=b", "cHJveHk=");

        try (FetchClient c = FetchClient.builder().defaultHeader("Authorization", "Bearer defaulttok3n").build()) {
            assertThat(c.toString()).doesNotContain("defaulttok3n");
        }
    }

    @Test
    void settingsToStringRedactsDefaultCredentials() {
        dev.fanout.internal.Settings s = settingsOf(client);
        assertThat(s.toString()).contains("maxBodyBytes=").doesNotContain("defaultsecret");
    }

    @Test
    void redactionStripsUserInfoFromLenientSpellings() {
        assertThat(Redaction.url("http://u:p@h/x")).isEqualTo("http://h/x");
        assertThat(Redaction.url("http://u:p@q@h:1/x?a=@b")).isEqualTo("http://h:1/x?a=@b");
        assertThat(Redaction.url("http:u:p@h")).isEqualTo("http:h");
        assertThat(Redaction.url("http:\\\\u:p@h\\x")).isEqualTo("http:\\\\h\\x");
        assertThat(Redaction.url("http://h/x@y")).isEqualTo("http://h/x@y");
        assertThat(Redaction.url("no-scheme")).isEqualTo("no-scheme");
    }

    private static dev.fanout.internal.Settings settingsOf(FetchClient c) {
        try {
            java.lang.reflect.Field f = FetchClient.class.getDeclaredField("settings");
            f.setAccessible(true);
            return (dev.fanout.internal.Settings) f.get(c);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
