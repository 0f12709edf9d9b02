package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.examples.server.SampleApiServer;
import reactor.core.publisher.Flux;

import java.util.List;
import java.util.Map;

/**
 * POST JSON concurrently: {@code FetchRequest.post(url).json(object)} serializes with the client's
 * Jackson mapper and sets {@code Content-Type: application/json}; a {@code Flux} of such requests
 * goes through any batch method.
 */
public final class PostJsonConcurrently {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.create()) {
            List<Map<String, Object>> orders = List.of(
                    Map.of("sku", "A-1", "qty", 2), Map.of("sku", "B-7", "qty", 1), Map.of("sku", "C-3", "qty", 5));

            Flux<FetchRequest> posts = Flux.fromIterable(orders)
                    .map(order -> FetchRequest.post(api.url("/echo")).json(order));

            for (FetchResult r : client.fetchAll(posts).block()) {
                var echo = r.json();
                System.out.printf("  #%d %s %s content-type=%s body=%s%n", r.index(), echo.get("method").asText(),
                        r.status(), echo.get("headers").get("content-type").asText(), echo.get("body").asText());
            }
        }
    }

    private PostJsonConcurrently() {
    }
}
