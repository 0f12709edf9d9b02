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
