package dev.fanout.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestValidatorTest {

    private final RequestValidator validator = new RequestValidator(new ObjectMapper());

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "ftp://h/x                 | scheme ftp (expected: http or https)",
            "http:///nohost            | no host",
            "http://h:0/x              | port 0 (expected: 1-65535)",
            "http://h:70000/x          | port 70000",
            "relative/path             | scheme null",
            "http://h/a b              | contains a space or control character at 10",
            "'http://h/%zz'            | Malformed escape pair",
    })
    void rejectsBadUrlsWithAReason(String url, String reason) {
        assertThatThrownBy(() -> validator.validate(FetchRequest.get(url)))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_REQUEST))
                .hasMessageContaining(reason);
    }

    @Test
    void rejectsCrLfInUrlsAndHeaders() {
        assertThatThrownBy(() -> validator.validate(FetchRequest.get("http://h/x\r\nHost: evil")))
                .hasMessageContaining("control character");
        assertThatThrownBy(() -> validator.validate(FetchRequest.get("http://h/").header("X", "a\nb")))
                .hasMessageContaining("header X: contains CR, LF or NUL");
        assertThatThrownBy(() -> validator.validate(FetchRequest.get("http://h/").header("X", "a\0b")))
                .hasMessageContaining("contains CR, LF or NUL");
        assertThatThrownBy(() -> validator.validate(FetchRequest.get("http://h/").header("X:Y", "v")))
                .hasMessageContaining("header name: X:Y");
        assertThatThrownBy(() -> validator.validate(FetchRequest.of("GE T", "http://h/")))
                .hasMessageContaining("method: GE T");
    }

    @Test
    void percentEncodedCrLfStaysEncoded() {
        ValidatedRequest v = validator.validate(FetchRequest.get("http://h/a%0d%0aSet-Cookie:x"));
        assertThat(v.uri().getRawPath()).isEqualTo("/a%0d%0aSet-Cookie:x");
    }

    @Test
    void userInfoBecomesBasicAuthAndLeavesTheUrl() {
        ValidatedRequest v = validator.validate(FetchRequest.get("http://alice:p%40ss@h:8080/x?q=1"));
        assertThat(v.uri().toString()).isEqualTo("http://h:8080/x?q=1");
        assertThat(v.safeUrl()).isEqualTo("http://h:8080/x?q=1");
        assertThat(v.authorization()).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("alice:p@ss".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aFailureMessageNeverCarriesTheUserInfo() {
        assertThatThrownBy(() -> validator.validate(FetchRequest.get("ftp://bob:hunter2@h/")))
                .hasMessageNotContaining("hunter2");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "http://bücher.example/x?q=1            | http://xn--bcher-kva.example/x?q=1",
            "http://BÜCHER.Example:8080/            | http://xn--bcher-kva.example:8080/",
            "http://例え.テスト/                       | http://xn--r8jz45g.xn--zckzah/",
            "https://пример.испытание/путь          | https://xn--e1afmkfd.xn--80akhbyknj4f/путь",
            "http://ｅｘａｍｐｌｅ.com/                | http://example.com/",
            "http://bücher。example/                 | http://xn--bcher-kva.example/",
            "http://bücher.example./                | http://xn--bcher-kva.example./",
            "http://xn--bcher-kva.example/          | http://xn--bcher-kva.example/",
    })
    void internationalHostsGoToTheirAsciiForm(String url, String sent) {
        ValidatedRequest v = validator.validate(FetchRequest.get(url));
        assertThat(v.uri().toString()).isEqualTo(sent);
        assertThat(v.uri().getHost()).isNotNull().matches("[a-z0-9.-]+");
        assertThat(v.request().url()).as("the request as sent, which the result's url() shows").isEqualTo(sent);
        assertThat(v.safeUrl()).isEqualTo(sent);
    }

    @Test
    void anAsciiUrlIsLeftAsWritten() {
        FetchRequest request = FetchRequest.get("http://Example.COM/ü?q=ü");
        ValidatedRequest v = validator.validate(request);
        assertThat(v.request()).isSameAs(request);
        assertThat(v.uri().getHost()).isEqualTo("Example.COM");
    }

    @Test
    void userInfoAndAnInternationalHostTogether() {
        ValidatedRequest v = validator.validate(FetchRequest.get("http://alice:s3cret@bücher.example:8080/p"));
        assertThat(v.uri().toString()).isEqualTo("http://xn--bcher-kva.example:8080/p");
        assertThat(v.request().url()).isEqualTo("http://xn--bcher-kva.example:8080/p");
        assertThat(v.authorization()).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "http://faß.de/                    | contains U+00DF",
            "http://σοφός.gr/                  | contains U+03C2",
            "http://a\u200db.example/          | contains U+200D",
            "http://a／b.example/               | non-LDH ASCII",
            "http://evil.example＠good.example/ | non-LDH ASCII",
            "http://ü_x.example/               | non-LDH ASCII",
            "http://-ü.example/                | hyphen",
            "http://😀.example/                | unassigned code point",
            "http://bü..example/               | Empty label",
            "http://xn--ü.example/             | ACE Prefix",
            "http://bücher.example:８０/        | port holds non-ASCII",
            "http://\u00ad/                    | Empty label",
    })
    void invalidInternationalHostsAreInvalidRequests(String url, String reason) {
        assertThatThrownBy(() -> validator.validate(FetchRequest.get(url)))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_REQUEST))
                .hasMessageContaining("host is not a valid international host name")
                .hasMessageContaining(reason);
    }

    @Test
    void aLabelTooLongOnceEncodedIsInvalid() {
        String label = "ü".repeat(40) + "a".repeat(20); // 60 characters, longer than 63 as Punycode
        assertThatThrownBy(() -> validator.validate(FetchRequest.get("http://" + label + ".example/")))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_REQUEST))
                .hasMessageContaining("too long");
    }

    @Test
    void theGuardJudgesTheAsciiForm() {
        RequestValidator guarded = new RequestValidator(new ObjectMapper(), AddressGuard.allowing(java.util.List.of()));
        // full-width digits are 127.0.0.1 once mapped, and so are their hex spelling
        for (String url : new String[] {"http://１２７.０.０.１/", "http://０ｘ７ｆ.１/", "http://１２７。０。０。１:8080/"}) {
            assertThatThrownBy(() -> guarded.validate(FetchRequest.get(url))).as(url)
                    .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.kind()).isEqualTo(Kind.BLOCKED_ADDRESS));
        }
        assertThat(validator.validate(FetchRequest.get("http://１２７.０.０.１/")).uri().getHost()).isEqualTo("127.0.0.1");
        assertThat(guarded.validate(FetchRequest.get("http://bücher.example/")).uri().getHost())
                .isEqualTo("xn--bcher-kva.example"); // names: judged on their addresses, at resolution
    }

    @Test
    void theUnicodeAndAsciiFormsShareOnePerHostKey() {
        String unicode = HostStreamPermits.key(validator.validate(FetchRequest.get("https://BÜCHER.example/a")).uri());
        String ascii = HostStreamPermits.key(validator.validate(FetchRequest.get("https://xn--bcher-kva.example:443/b")).uri());
        assertThat(unicode).isEqualTo(ascii).isEqualTo("https://xn--bcher-kva.example:443");
    }

    @Test
    void aLocationSentAsUtf8BytesIsReadAsUtf8() {
        String asNettyReadsIt = new String("http://bücher.example/ä".getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1);
        assertThat(RedirectFollower.utf8(asNettyReadsIt)).isEqualTo("http://bücher.example/ä");
        assertThat(RedirectFollower.utf8("http://b\u00fccher.example/"))
                .as("Latin-1 that is not UTF-8 stays as read").isEqualTo("http://b\u00fccher.example/");
        assertThat(RedirectFollower.utf8("/plain")).isEqualTo("/plain");
    }

    @Test
    void asciiPatternsForTheNoProxyList() {
        assertThat(Idn.toAsciiPattern("*.bücher.example")).isEqualTo("*.xn--bcher-kva.example");
        assertThat(Idn.toAsciiPattern("10.*")).isEqualTo("10.*");
        assertThatThrownBy(() -> Idn.toAsciiPattern("bü*.example")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Idn.toAsciiPattern("faß.de")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jsonBodiesAreSerializedWithTheContentType() {
        ValidatedRequest v = validator.validate(FetchRequest.post("http://h/").json(java.util.Map.of("a", 1)));
        assertThat(new String(v.body(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
        assertThat(v.contentType()).isEqualTo("application/json");
    }

    @Test
    void anUnserializableJsonBodyIsInvalidRequest() {
        Object selfReferencing = new Object() {
            public Object getSelf() {
                return this;
            }
        };
        assertThatThrownBy(() -> validator.validate(FetchRequest.post("http://h/").json(selfReferencing)))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_REQUEST))
                .hasMessageContaining("JSON body could not be serialized");
    }
}
