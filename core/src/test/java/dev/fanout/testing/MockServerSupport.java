package dev.fanout.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mockserver.configuration.Configuration;
import org.mockserver.netty.MockServer;
import org.slf4j.event.Level;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * In-process MockServer (mockserver-netty 7.6.0) bound to 127.0.0.1 on a free port, driven through
 * its REST control plane with the JDK HttpClient (the Java client jar is not available).
 */
public final class MockServerSupport implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MockServer server;
    private final int port;
    private final HttpClient http;

    public MockServerSupport() {
        Configuration configuration = Configuration.configuration()
                .localBoundIP("127.0.0.1")
                .logLevel(Level.ERROR)
                .disableSystemOut(true)
                .metricsEnabled(false);
        this.server = new MockServer(configuration, 0);
        this.port = server.getLocalPort();
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Registers one expectation (JSON object) or several (JSON array). */
    public void expect(String expectationJson) {
        HttpResponse<String> r = control("/mockserver/expectation", expectationJson);
        if (r.statusCode() != 201) {
            throw new IllegalStateException("MockServer rejected expectation (" + r.statusCode() + "): " + r.body());
        }
    }

    /** Verifies that a request matching {@code requestMatcherJson} arrived between atLeast and atMost times. */
    public void verify(String requestMatcherJson, int atLeast, int atMost) {
        ObjectNode body = JSON.createObjectNode();
        body.set("httpRequest", parse(requestMatcherJson));
        ObjectNode times = body.putObject("times");
        times.put("atLeast", atLeast);
        times.put("atMost", atMost);
        HttpResponse<String> r = control("/mockserver/verify", body.toString());
        if (r.statusCode() == 406) {
            throw new AssertionError(r.body());
        }
        if (r.statusCode() != 202) {
            throw new IllegalStateException("MockServer verify failed (" + r.statusCode() + "): " + r.body());
        }
    }

    /** Returns the recorded requests matching {@code matcherJson} (use "{}" for all) as a JSON array. */
    public JsonNode recordedRequests(String matcherJson) {
        HttpResponse<String> r = control("/mockserver/retrieve?type=REQUESTS&format=JSON", matcherJson);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("MockServer retrieve failed (" + r.statusCode() + "): " + r.body());
        }
        return parse(r.body().isBlank() ? "[]" : r.body());
    }

    /** Clears all expectations and recorded requests. */
    public void reset() {
        HttpResponse<String> r = control("/mockserver/reset", "");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("MockServer reset failed (" + r.statusCode() + "): " + r.body());
        }
    }

    @Override
    public void close() {
        server.stop();
    }

    private HttpResponse<String> control(String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("MockServer control call " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted calling MockServer " + path, e);
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid JSON: " + json, e);
        }
    }
}
