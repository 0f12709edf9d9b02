package dev.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.testing.MockServerSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What goes over the wire — methods, default and per-request headers, JSON bodies — as MockServer records it. */
class MockServerVerifiedRequestsTest {

    private static MockServerSupport mock;

    @BeforeAll
    static void start() {
        mock = new MockServerSupport();
    }

    @AfterAll
    static void stop() {
        mock.close();
    }

    @BeforeEach
    void reset() {
        mock.reset();
    }

    @Test
    void defaultHeadersGoOnEveryRequestAndARequestHeaderReplacesOne() {
        mock.expect("""
                {"httpRequest": {"path": "/hello"}, "httpResponse": {"statusCode": 200, "body": "hi"}}
                """);
        try (FetchClient client = FetchClient.builder()
                .defaultHeader("Authorization", "Bearer default-token")
                .defaultHeader("X-Client", "fanout-test")
                .build()) {
            FetchResult plain = client.fetch(mock.baseUrl() + "/hello").block(Duration.ofSeconds(10));
            FetchResult overridden = client.fetch(FetchRequest.get(mock.baseUrl() + "/hello")
                    .header("Authorization", "Bearer per-request")).block(Duration.ofSeconds(10));

            assertThat(plain.bodyAsString()).isEqualTo("hi");
            assertThat(overridden.isSuccess()).isTrue();
        }
        mock.verify("""
                {"path": "/hello", "headers": {"Authorization": ["Bearer default-token"], "X-Client": ["fanout-test"],
                 "User-Agent": ["fanout/0.1"]}}
                """, 1, 1);
        mock.verify("""
                {"path": "/hello", "headers": {"Authorization": ["Bearer per-request"], "X-Client": ["fanout-test"]}}
                """, 1, 1);
        JsonNode overriddenRequest = mock.recordedRequests("""
                {"path": "/hello", "headers": {"Authorization": ["Bearer per-request"]}}
                """).get(0);
        assertThat(overriddenRequest.get("headers").get("Authorization")).hasSize(1);
    }

    @Test
    void postsJsonBodiesConcurrentlyWithTheContentType() {
        mock.expect("""
                {"httpRequest": {"method": "POST", "path": "/items"},
                 "httpResponse": {"statusCode": 201, "headers": {"Content-Type": ["application/json"]},
                                  "body": {"type": "JSON", "json": {"created": true}}}}
                """);
        record Item(String name, int qty) {
        }
        List<FetchRequest> posts = List.of(
                FetchRequest.post(mock.baseUrl() + "/items").json(new Item("bolt", 3)),
                FetchRequest.post(mock.baseUrl() + "/items").json(new Item("nut", 5)),
                FetchRequest.post(mock.baseUrl() + "/items").json(Map.of("name", "washer", "qty", 7)));
        try (FetchClient client = FetchClient.create()) {
            List<FetchResult> results = client.fetchAll(Flux.fromIterable(posts)).block(Duration.ofSeconds(10));

            assertThat(results).extracting(FetchResult::status).containsExactly(201, 201, 201);
            assertThat(results.get(0).json().get("created").asBoolean()).isTrue();
        }
        for (String json : List.of("{\"name\":\"bolt\",\"qty\":3}", "{\"name\":\"nut\",\"qty\":5}",
                "{\"name\":\"washer\",\"qty\":7}")) {
            mock.verify("""
                    {"method": "POST", "path": "/items", "headers": {"Content-Type": ["application/json"]},
                     "body": {"type": "JSON", "json": %s, "matchType": "STRICT"}}
                    """.formatted(json), 1, 1);
        }
    }

    @Test
    void sendsEveryMethodWithRawBodies() {
        mock.expect("""
                {"httpRequest": {"path": "/m"}, "httpResponse": {"statusCode": 204}}
                """);
        byte[] raw = {1, 2, 3, 4};
        try (FetchClient client = FetchClient.create()) {
            List<FetchResult> results = client.fetchOrdered(Flux.just(
                    FetchRequest.get(mock.baseUrl() + "/m"),
                    FetchRequest.head(mock.baseUrl() + "/m"),
                    FetchRequest.put(mock.baseUrl() + "/m").body(raw, "application/octet-stream"),
                    FetchRequest.patch(mock.baseUrl() + "/m").json(Map.of("op", "x")),
                    FetchRequest.delete(mock.baseUrl() + "/m"),
                    FetchRequest.options(mock.baseUrl() + "/m"))).collectList().block(Duration.ofSeconds(10));

            assertThat(results).allMatch(FetchResult::isSuccess).extracting(FetchResult::status).containsOnly(204);
        }
        for (String method : List.of("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS")) {
            mock.verify("{\"method\": \"" + method + "\", \"path\": \"/m\"}", 1, 1);
        }
        mock.verify("""
                {"method": "PUT", "path": "/m", "headers": {"Content-Type": ["application/octet-stream"],
                 "Content-Length": ["4"]}, "body": {"type": "BINARY", "base64Bytes": "AQIDBA=="}}
                """, 1, 1);
    }

    @Test
    void userInfoInTheUrlIsSentAsBasicAuth() {
        mock.expect("""
                {"httpRequest": {"path": "/private"}, "httpResponse": {"statusCode": 200}}
                """);
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = client.fetch("http://alice:secret@127.0.0.1:" + mock.port() + "/private")
                    .block(Duration.ofSeconds(10));
            assertThat(r.isSuccess()).isTrue();
            assertThat(r.toString()).doesNotContain("secret");
        }
        mock.verify("""
                {"path": "/private", "headers": {"Authorization": ["Basic YWxpY2U6c2VjcmV0"]}}
                """, 1, 1);
    }
}
