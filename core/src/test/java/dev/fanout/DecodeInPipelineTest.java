package dev.fanout;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** FetchRequest.decode: the body decoded in the pipeline, once, and a bad body a DECODE failure. */
class DecodeInPipelineTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    record Widget(int id, String name, List<String> tags) {
    }

    @Test
    void aRequestedTypeIsDecodedOnceInThePipeline() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = client.fetch(FetchRequest.get(server.url("/json")).decode(Widget.class))
                    .block(Duration.ofSeconds(10));

            assertThat(r.isSuccess()).isTrue();
            Widget first = r.json(Widget.class);
            assertThat(first).isEqualTo(new Widget(7, "widget", List.of("a", "b")));
            assertThat(r.json(Widget.class)).isSameAs(first); // not parsed again
            assertThat(r.json().get("name").asText()).isEqualTo("widget"); // the tree is still there
        }
    }

    @Test
    void genericTypesAndTreesDecodeToo() {
        try (FetchClient client = FetchClient.create()) {
            List<FetchResult> results = client.fetchOrdered(Flux.just(
                    FetchRequest.get(server.url("/json")).decode(new TypeReference<Map<String, Object>>() { }),
                    FetchRequest.get(server.url("/json")).decode(JsonNode.class))).collectList()
                    .block(Duration.ofSeconds(10));

            Map<String, Object> map = results.get(0).json(new TypeReference<Map<String, Object>>() { });
            assertThat(map).containsEntry("id", 7);
            assertThat(results.get(0).json(new TypeReference<Map<String, Object>>() { })).isSameAs(map);
            JsonNode tree = results.get(1).json();
            assertThat(results.get(1).json()).isSameAs(tree);
        }
    }

    @Test
    void aBodyThatDoesNotDecodeIsADecodeFailureThatKeepsTheResponse() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = client.fetch(FetchRequest.get(server.url("/not-json")).decode(Widget.class))
                    .block(Duration.ofSeconds(10));

            assertThat(r.isSuccess()).isFalse();
            assertThat(r.kind()).isEqualTo(FetchException.Kind.DECODE);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyAsString()).isEqualTo("{oops");
            assertThat(r.error().get().getMessage()).contains("not valid JSON");
        }
    }

    record IdOnly(int id) {
    }

    @Test
    void aMapperGivenToTheClientIsUsedAsGiven() {
        // Jackson's default fails on the body's other fields; this mapper ignores them
        ObjectMapper lenient = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try (FetchClient strict = FetchClient.create();
             FetchClient given = FetchClient.builder().objectMapper(lenient).build()) {
            FetchRequest request = FetchRequest.get(server.url("/json")).decode(IdOnly.class);
            FetchResult byDefault = strict.fetch(request).block(Duration.ofSeconds(10));
            FetchResult byGiven = given.fetch(request).block(Duration.ofSeconds(10));

            assertThat(byDefault.kind()).isEqualTo(FetchException.Kind.DECODE);
            assertThat(byGiven.isSuccess()).isTrue();
            assertThat(byGiven.json(IdOnly.class)).isEqualTo(new IdOnly(7));
        }
    }

    @Test
    void anHttpStatusFailureIsNotDecoded() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = client.fetch(FetchRequest.get(server.url("/status/404")).decode(Widget.class))
                    .block(Duration.ofSeconds(10));
            assertThat(r.kind()).isEqualTo(FetchException.Kind.HTTP_STATUS);
        }
    }
}
