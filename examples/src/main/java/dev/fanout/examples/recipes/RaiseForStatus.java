package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchException;
import dev.fanout.FetchResult;
import dev.fanout.examples.server.SampleApiServer;

import java.util.List;

/**
 * Raise-for-status ({@code response.raise_for_status()}): results never throw on their own;
 * {@code orThrow()} turns a failed result into its {@link FetchException} where you want an
 * exception, in plain code or in a Reactor chain.
 */
public final class RaiseForStatus {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.create()) {
            for (String path : List.of("/v1/sample-data/users/1", "/status/500", "/v1/sample-data/users/999x")) {
                try {
                    FetchResult ok = client.fetch(api.url(path)).block().orThrow();
                    System.out.println("  " + path + " -> " + ok.status() + " " + ok.bodyAsString());
                } catch (FetchException e) {
                    System.out.println("  " + path + " -> threw " + e.kind() + " (status " + e.status() + "): "
                            + e.getMessage());
                }
            }
            // in a chain: map(FetchResult::orThrow) makes the first failure the error signal
            String outcome = client.fetch(api.url("/status/503")).map(FetchResult::orThrow)
                    .map(r -> "ok").onErrorResume(FetchException.class, e -> reactor.core.publisher.Mono.just(
                            "error signal " + e.kind() + " " + e.status()))
                    .block();
            System.out.println("  in a Mono chain: " + outcome);
        }
    }

    private RaiseForStatus() {
    }
}
