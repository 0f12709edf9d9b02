package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.testing.TestDnsServer;
import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Netty's DNS client against a DNS server on 127.0.0.1: answers, NXDOMAIN, timeouts, cache TTLs, the JVM switch. */
class DnsTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    static TestDnsServer dns;

    @BeforeAll
    static void start() throws InterruptedException {
        dns = new TestDnsServer(60).a("a.test", "127.0.0.1").a("b.test", "127.0.0.1").a("c.test", "127.0.0.1")
                .silent("silent.test");
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    private static FetchClient.Builder builder() {
        return FetchClient.builder().dnsServers(dns.address()).requestTimeout(Duration.ofSeconds(15));
    }

    /** A new connection (and so a new lookup unless cached) for every request. */
    private static FetchResult fetchFresh(FetchClient client, String host) {
        return client.fetch(FetchRequest.get("http://" + host + ":" + server.port() + "/ok").header("Connection", "close"))
                .block(Duration.ofSeconds(20));
    }

    @Test
    void namesResolveThroughTheConfiguredServer() {
        try (FetchClient client = builder().build()) {
            FetchResult r = fetchFresh(client, "a.test");
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(dns.aQueries("a.test")).isPositive();
        }
    }

    @Test
    void nxdomainIsADnsFailureThatIsNotATimeout() {
        try (FetchClient client = builder().build()) {
            FetchResult r = fetchFresh(client, "nope.test");
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.DNS);
            FetchException e = r.error().orElseThrow();
            assertThat(e.isDnsTimeout()).as(e.getMessage()).isFalse();
            assertThat(e.getMessage()).contains("could not resolve host");
            assertThat(e.kind().requestNeverSent()).isTrue();
            assertThat(r.attempts()).as("NXDOMAIN is an answer: not retried").isEqualTo(1);
        }
    }

    @Test
    void aResolverTimeoutIsADnsFailureMarkedAsTimeout() {
        try (FetchClient client = builder().dnsQueryTimeout(Duration.ofMillis(200)).build()) {
            FetchResult r = fetchFresh(client, "silent.test");
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.DNS);
            FetchException e = r.error().orElseThrow();
            assertThat(e.isDnsTimeout()).as(e.getMessage()).isTrue();
            assertThat(e.getMessage()).contains("DNS lookup timed out");
            assertThat(r.attempts()).as("a resolver timeout is transient: retried").isEqualTo(3);
            assertThat(r.attemptKinds()).containsExactly(Kind.DNS, Kind.DNS, Kind.DNS);
        }
    }

    @Test
    void recordsAreCachedForTheirTtlUnlessTheCacheIsBounded() {
        try (FetchClient client = builder().build()) {
            for (int i = 0; i < 3; i++) {
                assertThat(fetchFresh(client, "b.test").isSuccess()).isTrue();
            }
        }
        assertThat(dns.aQueries("b.test")).isEqualTo(1);

        try (FetchClient client = builder().dnsCacheTtl(Duration.ZERO, Duration.ZERO).build()) {
            for (int i = 0; i < 3; i++) {
                assertThat(fetchFresh(client, "c.test").isSuccess()).isTrue();
            }
        }
        assertThat(dns.aQueries("c.test")).isEqualTo(3);
    }

    @Test
    void negativeAnswersAreCachedOnlyWhenAsked() {
        try (FetchClient client = builder().build()) {
            fetchFresh(client, "neg1.test");
            int first = dns.aQueries("neg1.test");
            fetchFresh(client, "neg1.test");
            assertThat(dns.aQueries("neg1.test")).isEqualTo(2 * first);
        }
        try (FetchClient client = builder().dnsNegativeCacheTtl(Duration.ofMinutes(1)).build()) {
            assertThat(fetchFresh(client, "neg2.test").kind()).isEqualTo(Kind.DNS);
            int first = dns.aQueries("neg2.test");
            assertThat(fetchFresh(client, "neg2.test").kind()).isEqualTo(Kind.DNS);
            assertThat(dns.aQueries("neg2.test")).isEqualTo(first);
        }
    }

    @Test
    void theJvmResolverCanBeChosenAndIsGuarded() {
        try (FetchClient client = FetchClient.builder().jvmResolver().build()) {
            FetchResult r = fetchFresh(client, "localhost");
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
        }
        try (FetchClient client = FetchClient.builder().jvmResolver().blockPrivateAddresses().build()) {
            assertThat(fetchFresh(client, "localhost").kind()).isEqualTo(Kind.BLOCKED_ADDRESS);
        }
    }

    @Test
    void builderValidatesDnsSettings() {
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder()
                .dnsCacheTtl(Duration.ofSeconds(10), Duration.ofSeconds(5)))
                .withMessage("dnsCacheTtl max: PT5S (expected: >= min, PT10S)");
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder()
                .dnsNegativeCacheTtl(Duration.ofSeconds(-1)))
                .withMessage("dnsNegativeCacheTtl: PT-1S (expected: >= 0)");
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder().dnsServers())
                .withMessage("dnsServers: none (expected: at least one)");
    }
}
