package dev.fanout.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import dev.fanout.internal.AddressGuard;
import dev.fanout.internal.Idn;
import dev.fanout.internal.Redaction;
import dev.fanout.internal.RequestValidator;
import dev.fanout.internal.ValidatedRequest;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Property-based tests (jqwik) over URL and header validation, redaction and the guard's literal
 * parsing. Pure: no sockets. (Retry-After parsing belongs to the resilience branch and is not here.)
 */
class ValidationPropertiesTest {

    private static final RequestValidator PLAIN = new RequestValidator(new ObjectMapper());
    private static final RequestValidator GUARDED = new RequestValidator(new ObjectMapper(), AddressGuard.allowing(List.of()));

    @Property(tries = 2000)
    void anyStringIsEitherAValidHttpUrlOrARejectionNeverACrash(@ForAll @StringLength(max = 80) String tail,
                                                               @ForAll("prefixes") String prefix) {
        String url = prefix + tail;
        for (RequestValidator validator : List.of(PLAIN, GUARDED)) {
            try {
                ValidatedRequest v = validator.validate(FetchRequest.get(url));
                assertThat(v.uri().getScheme()).isIn("http", "https", "HTTP", "HTTPS", "Http", "Https");
                assertThat(v.uri().getHost()).isNotEmpty();
                assertThat(v.uri().getPort()).isBetween(-1, 65535).isNotZero();
                assertThat(v.uri().toString()).doesNotContain("\r", "\n", "\0", " ");
                assertThat(Idn.isAscii(v.uri().getHost())).as("the host as sent is ASCII").isTrue();
            } catch (FetchException e) {
                assertThat(e.kind()).isIn(Kind.INVALID_REQUEST, Kind.BLOCKED_ADDRESS);
            }
        }
    }

    @Provide
    Arbitrary<String> prefixes() {
        return Arbitraries.of("http://", "https://", "http://127.0.0.1", "https://example.com:", "http://[", "ftp://",
                "", "http://u:p@", "HTTP://EXAMPLE.COM/", "http://0x7f.1", "http://bücher.", "https://例え.",
                "http://u:p@пример.", "http://１２７.０.");
    }

    /** Lower-case letters of a few scripts, each stable under IDNA 2003 mapping (no ß, no final sigma). */
    private static final String[] ALPHABETS = {
            "abcdefghijklmnopqrstuvwxyz0123456789äöüéèêàâçñåøæœ",
            "абвгдежзийклмнопрстуфхцчшщъыьэюяё",
            "αβγδεζηθικλμνξοπρστυφχψω",
            "ぁあいうえおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろわをん",
            "例試験漢字日本語中文网络公司世界東京北京",
    };

    @Provide
    Arbitrary<String> unicodeHosts() {
        Arbitrary<String> label = Arbitraries.of(ALPHABETS).flatMap(alphabet -> Arbitraries.strings()
                .withChars(alphabet.toCharArray()).ofMinLength(1).ofMaxLength(12));
        return label.list().ofMinSize(1).ofMaxSize(3).map(labels -> String.join(".", labels) + ".test");
    }

    @Property(tries = 1000)
    void aUnicodeHostIsSentAsTheAsciiFormThatReadsBackToIt(@ForAll("unicodeHosts") String host,
                                                          @ForAll @IntRange(min = 1, max = 65535) int port) {
        String url = "http://user:pw@" + host + ":" + port + "/p?q=ü";
        ValidatedRequest v = PLAIN.validate(FetchRequest.get(url));
        String sent = v.uri().getHost();
        assertThat(sent).matches("[a-z0-9.-]+");
        assertThat(sent.split("\\.")).allSatisfy(label -> assertThat(label.length()).isBetween(1, 63));
        assertThat(java.net.IDN.toUnicode(sent)).isEqualTo(host);
        assertThat(v.uri().getPort()).isEqualTo(port);
        assertThat(v.request().url()).isEqualTo("http://" + sent + ":" + port + "/p?q=ü");
        assertThat(v.safeUrl()).isEqualTo(v.request().url());
        // one host, one name: case, the ideographic full stop and the guard change nothing
        String upper = host.toUpperCase(java.util.Locale.ROOT).replace('.', '\u3002');
        assertThat(PLAIN.validate(FetchRequest.get("https://" + upper + "/")).uri().getHost()).isEqualTo(sent);
        assertThat(GUARDED.validate(FetchRequest.get(url)).uri().getHost()).isEqualTo(sent);
    }

    @Provide
    Arbitrary<String> hostileHosts() {
        // letters mixed with what IDNA maps onto URL structure or refuses: full-width / @ : . and digits,
        // ideographic full stops, deviation characters, joiners, soft hyphens, unassigned code points
        Arbitrary<Character> c = Arbitraries.of('a', 'ü', '例', '-', '.', '\uff0f', '\uff20', '\uff1a', '\uff0e',
                '\u3002', '\uff11', '\u00df', '\u03c2', '\u200c', '\u200d', '\u00ad', '\u2488', '\u0378', '_', '%',
                '\u2100', '\u216b');
        return c.list().ofMinSize(1).ofMaxSize(20).map(l -> {
            StringBuilder b = new StringBuilder();
            l.forEach(b::append);
            return b.toString();
        });
    }

    @Property(tries = 2000)
    void aHostileUnicodeHostIsAnAsciiHostOrInvalidNeverACrashOrAnotherUrl(@ForAll("hostileHosts") String host) {
        String url = "http://" + host + "/path";
        for (RequestValidator validator : List.of(PLAIN, GUARDED)) {
            try {
                ValidatedRequest v = validator.validate(FetchRequest.get(url));
                assertThat(v.uri().getHost()).matches("[a-z0-9.-]+");
                assertThat(v.uri().getRawPath()).as("nothing in the host leaked into the path").isEqualTo("/path");
                assertThat(v.uri().getRawUserInfo()).isNull();
                assertThat(v.uri().getPort()).isEqualTo(-1);
            } catch (FetchException e) {
                assertThat(e.kind()).isIn(Kind.INVALID_REQUEST, Kind.BLOCKED_ADDRESS);
            }
        }
    }

    @Property(tries = 1000)
    void urlsWithControlCharactersOrSpacesAreAlwaysRejected(@ForAll("controls") char bad,
                                                           @ForAll @IntRange(min = 0, max = 20) int at) {
        String base = "http://example.com/path/segment?q=1";
        int i = Math.min(at, base.length());
        String url = base.substring(0, i) + bad + base.substring(i);
        FetchRequest request = FetchRequest.get(url);
        assertThatThrownBy(() -> PLAIN.validate(request)).isInstanceOfSatisfying(FetchException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_REQUEST));
    }

    @Provide
    Arbitrary<Character> controls() {
        return Arbitraries.oneOf(Arbitraries.chars().range('\0', ' '), Arbitraries.just('\u007f'));
    }

    @Property(tries = 1000)
    void percentEncodedBytesStayEncoded(@ForAll("percentPaths") String path) {
        ValidatedRequest v = PLAIN.validate(FetchRequest.get("http://example.com/" + path));
        assertThat(v.uri().getRawPath()).isEqualTo("/" + path);
    }

    @Provide
    Arbitrary<String> percentPaths() {
        Arbitrary<String> escape = Arbitraries.integers().between(0, 255).map(b -> String.format("%%%02X", b));
        Arbitrary<String> plain = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(3);
        return Arbitraries.oneOf(escape, plain).list().ofMinSize(1).ofMaxSize(10).map(l -> String.join("", l));
    }

    @Property(tries = 1000)
    void headerValuesWithCrLfOrNulAreRejectedAndOthersAccepted(@ForAll("headerValues") String value) {
        FetchRequest request = FetchRequest.get("http://example.com/").header("X-Test", value);
        boolean forbidden = value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0;
        if (forbidden) {
            assertThatThrownBy(() -> PLAIN.validate(request)).isInstanceOfSatisfying(FetchException.class,
                    e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_REQUEST));
        } else {
            assertThat(PLAIN.validate(request).request().header("X-Test")).isEqualTo(value);
        }
    }

    @Provide
    Arbitrary<String> headerValues() {
        return Arbitraries.strings().withCharRange(' ', '~').withChars('\r', '\n', '\0', '\t').ofMaxLength(40);
    }

    @Property(tries = 500)
    void headerNamesMustBeTokens(@ForAll @StringLength(min = 0, max = 12) String name) {
        Set<Character> delimiters = Set.of('"', '(', ')', ',', '/', ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}');
        boolean token = !name.isEmpty() && name.chars().allMatch(c -> c > ' ' && c < 0x7f && !delimiters.contains((char) c));
        FetchRequest request = FetchRequest.get("http://example.com/").header(name, "v");
        if (token) {
            assertThat(PLAIN.validate(request)).isNotNull();
        } else {
            assertThatThrownBy(() -> PLAIN.validate(request)).isInstanceOf(FetchException.class);
        }
    }

    @Property(tries = 1000)
    void userInfoNeverSurvivesInTheRequestItsStringOrTheRedactedUrl(@ForAll("credentials") List<String> userPass) {
        String user = userPass.get(0);
        String pass = userPass.get(1);
        String url = "http://" + enc(user) + ":" + enc(pass) + "@example.com:8080/p?q=1";
        ValidatedRequest v = PLAIN.validate(FetchRequest.get(url));
        String secret = "S3CR3T" + pass;
        assertThat(v.request().url()).isEqualTo("http://example.com:8080/p?q=1");
        assertThat(v.request().toString()).doesNotContain(secret);
        assertThat(Redaction.url(url)).isEqualTo("http://example.com:8080/p?q=1");
        assertThat(v.safeUrl()).doesNotContain(secret);
        String decoded = new String(Base64.getDecoder().decode(v.authorization().substring(6)), StandardCharsets.UTF_8);
        assertThat(decoded).isEqualTo(user + ":" + pass);
    }

    @Provide
    Arbitrary<List<String>> credentials() {
        Arbitrary<String> user = Arbitraries.strings().alpha().numeric().withChars("._-@:").ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> pass = Arbitraries.strings().withCharRange(' ', '\ud7ff').ofMaxLength(16)
                .map(s -> "S3CR3T" + s);
        return Combinators.combine(user, pass).as(List::of);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Property(tries = 2000)
    void everyIpv4SpellingParsesToTheSameAddress(@ForAll int value) {
        long u = value & 0xffffffffL;
        byte[] expected = {(byte) (u >>> 24), (byte) (u >>> 16), (byte) (u >>> 8), (byte) u};
        String dotted = (u >>> 24) + "." + ((u >>> 16) & 255) + "." + ((u >>> 8) & 255) + "." + (u & 255);
        String octal = "0" + Long.toOctalString(u >>> 24) + ".0" + Long.toOctalString((u >>> 16) & 255) + ".0"
                + Long.toOctalString((u >>> 8) & 255) + ".0" + Long.toOctalString(u & 255);
        String twoParts = (u >>> 24) + "." + (u & 0xffffff);
        AddressGuard guard = AddressGuard.allowing(List.of());
        for (String spelling : List.of(dotted, Long.toString(u), "0x" + Long.toHexString(u), octal, twoParts,
                dotted + ".")) {
            try {
                assertThat(AddressGuard.literal(spelling)).as(spelling).isEqualTo(expected);
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError(spelling, e);
            }
        }
        // and the guard judges every spelling the same way: through the validator, blocked or not alike
        boolean blocked = guard.isBlocked(expected);
        for (String spelling : List.of(Long.toString(u), "0x" + Long.toHexString(u), twoParts)) {
            FetchRequest request = FetchRequest.get("http://" + spelling + "/");
            if (blocked) {
                assertThatThrownBy(() -> GUARDED.validate(request)).isInstanceOfSatisfying(FetchException.class,
                        e -> assertThat(e.kind()).isEqualTo(Kind.BLOCKED_ADDRESS));
            } else {
                assertThat(GUARDED.validate(request).uri().getHost()).isEqualTo(dotted);
            }
        }
    }
}
