package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchResult;
import dev.fanout.internal.AddressGuard;
import dev.fanout.testing.CountingServer;
import dev.fanout.testing.TestResolver;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The opt-in private-address guard: literals in every spelling, resolved names, rebinding, allow-list. */
class PrivateAddressGuardTest {

    static CountingServer server;

    @BeforeAll
    static void start() {
        server = new CountingServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static FetchResult fetch(FetchClient client, String url) {
        return client.fetch(url).block(Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @CsvSource({"2130706433,127.0.0.1", "0x7f.0.0.1,127.0.0.1", "127.1,127.0.0.1", "0177.0.0.1,127.0.0.1",
            "0x7f000001,127.0.0.1", "017700000001,127.0.0.1", "127.0.0.1.,127.0.0.1", "0X7F.1,127.0.0.1",
            "0,0.0.0.0", "10.0.0.1,10.0.0.1", "192.168.0x1.1,192.168.1.1", "1.2.3.4,1.2.3.4"})
    void ipv4LiteralsAreParsedLikeBrowsersDo(String host, String expected) throws UnknownHostException {
        assertThat(NetUtil.bytesToIpAddress(AddressGuard.literal(host))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4.5", "256.1.1.1", "1.2.3.08", "0x100.0.0.1", "1.2.3.4294967296", "4294967296",
            "1..2.3"})
    void hostsThatEndInANumberButAreNotIpv4AreRefused(String host) {
        assertThatThrownBy(() -> AddressGuard.literal(host)).isInstanceOf(UnknownHostException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "1.2.3.com", "localhost", "0x7f.example"})
    void namesAreNotLiterals(String host) throws UnknownHostException {
        assertThat(AddressGuard.literal(host)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255",
            "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.251", "255.255.255.255",
            "[::1]", "[::]", "[fe80::1]", "[fd00:ec2::254]", "[fc00::1]", "[ff02::1]", "[::ffff:127.0.0.1]",
            "[::ffff:a9fe:a9fe]", "[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[fec0::1]"})
    void privateAndReservedAddressesAreBlocked(String host) throws UnknownHostException {
        AddressGuard guard = AddressGuard.allowing(List.of());
        assertThat(guard.isBlocked(AddressGuard.literal(host))).as(host).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "[2606:4700::1111]",
            "[::ffff:8.8.8.8]", "[64:ff9b::808:808]"})
    void publicAddressesAreNotBlocked(String host) throws UnknownHostException {
        assertThat(AddressGuard.allowing(List.of()).isBlocked(AddressGuard.literal(host))).as(host).isFalse();
    }

    @Test
    void allowListWinsOverTheBlockList() throws UnknownHostException {
        AddressGuard guard = AddressGuard.allowing(List.of("10.20.0.0/16", "fd00::5"));
        assertThat(guard.isBlocked(AddressGuard.literal("10.20.3.4"))).isFalse();
        assertThat(guard.isBlocked(AddressGuard.literal("10.21.3.4"))).isTrue();
        assertThat(guard.isBlocked(AddressGuard.literal("[fd00::5]"))).isFalse();
        assertThat(guard.isBlocked(AddressGuard.literal("[fd00::6]"))).isTrue();
    }

    @Test
    void builderRejectsBadAllowEntries() {
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder().allowAddresses("10.0.0.0/33"))
                .withMessage("allowAddresses: 10.0.0.0/33 (expected: a prefix length 0-32)");
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder().allowAddresses("intranet"))
                .withMessageStartingWith("allowAddresses: intranet (expected:");
    }

    @Test
    void everySpellingOfLoopbackIsRefusedBeforeAnyConnection() {
        int port = server.port();
        int before = server.connections();
        try (FetchClient client = FetchClient.builder().blockPrivateAddresses().build()) {
            for (String host : List.of("127.0.0.1", "2130706433", "0x7f.0.0.1", "127.1", "0177.0.0.1",
                    "0x7f000001", "127.0.0.1.", "[::ffff:127.0.0.1]", "[::1]", "0.0.0.0", "0", "169.254.169.254",
                    "[fd00:ec2::254]", "1.2.3.4.5", "u:p@127.0.0.1")) {
                FetchResult r = fetch(client, "http://" + host + ":" + port + "/x");
                assertThat(r.kind()).as(host + " " + r).isEqualTo(Kind.BLOCKED_ADDRESS);
                assertThat(r.attempts()).isZero();
                assertThat(r.error().orElseThrow().getMessage()).doesNotContain("u:p");
            }
        }
        assertThat(server.connections()).isEqualTo(before);
    }

    @Test
    void namesThatResolveToPrivateAddressesAreRefusedAtResolution() {
        TestResolver resolver = new TestResolver().map("internal.test", "127.0.0.1").map("meta.test", "169.254.169.254");
        int before = server.connections();
        try (FetchClient client = FetchClient.builder().blockPrivateAddresses().addressResolverGroup(resolver).build()) {
            FetchResult r = fetch(client, "http://internal.test:" + server.port() + "/x");
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.BLOCKED_ADDRESS);
            assertThat(r.error().orElseThrow().getMessage()).contains("internal.test", "127.0.0.1");
            assertThat(fetch(client, "http://meta.test/latest/meta-data/").kind()).isEqualTo(Kind.BLOCKED_ADDRESS);
        }
        assertThat(resolver.lookups("internal.test")).isEqualTo(1);
        assertThat(server.connections()).isEqualTo(before);
    }

    @Test
    void withoutTheGuardTheSameNameConnects() {
        TestResolver resolver = new TestResolver().map("internal.test", "127.0.0.1");
        try (FetchClient client = FetchClient.builder().addressResolverGroup(resolver).build()) {
            FetchResult r = fetch(client, "http://internal.test:" + server.port() + "/x");
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
        }
    }

    @Test
    void localhostIsRefusedWithTheRealResolver() {
        int before = server.connections();
        try (FetchClient client = FetchClient.builder().blockPrivateAddresses().build()) {
            FetchResult r = fetch(client, "http://localhost:" + server.port() + "/x");
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.BLOCKED_ADDRESS);
        }
        assertThat(server.connections()).isEqualTo(before);
    }

    @Test
    void allowListLetsALoopbackServerThrough() {
        try (FetchClient client = FetchClient.builder().blockPrivateAddresses().allowAddresses("127.0.0.1/32").build()) {
            FetchResult r = fetch(client, server.url("/x"));
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(fetch(client, "http://2130706433:" + server.port() + "/x").isSuccess()).isTrue();
            assertThat(fetch(client, "http://127.0.0.2:" + server.port() + "/x").kind()).isEqualTo(Kind.BLOCKED_ADDRESS);
        }
    }

    @Test
    void dnsRebindingDoesNotGetThrough() {
        // The same name answers an allowed address first, then a blocked one; same port on both.
        try (CountingServer allowed = new CountingServer("127.0.0.2", server.port())) {
            TestResolver resolver = new TestResolver().map("rebind.test", "127.0.0.2", "127.0.0.1");
            int before = server.connections();
            try (FetchClient client = FetchClient.builder().blockPrivateAddresses().allowAddresses("127.0.0.2")
                    .addressResolverGroup(resolver).maxIdleTime(Duration.ofMillis(1)).build()) {
                String url = "http://rebind.test:" + server.port() + "/x";
                FetchResult first = fetch(client, url);
                assertThat(first.isSuccess()).as(first.toString()).isTrue();
                assertThat(first.bodyAsString()).isEqualTo("hello from 127.0.0.2");

                sleep(50); // let the pooled connection idle out, so the next request resolves again
                FetchResult second = fetch(client, url);
                assertThat(second.kind()).as(second.toString()).isEqualTo(Kind.BLOCKED_ADDRESS);
            }
            assertThat(resolver.lookups("rebind.test")).isEqualTo(2);
            assertThat(allowed.connections()).isEqualTo(1);
            assertThat(server.connections()).isEqualTo(before);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
