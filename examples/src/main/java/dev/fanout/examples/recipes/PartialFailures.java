package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchResult;
import dev.fanout.examples.server.SampleApiServer;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Partial failures kept as values ({@code gather(..., return_exceptions=True)}): one bad URL
 * never fails the batch; every input has its result, and the failures can be split off, counted
 * by kind, or retried.
 */
public final class PartialFailures {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.create()) {
            List<String> urls = List.of(api.url("/v1/sample-data/users/1"), api.url("/status/500"),
                    api.url("/v1/sample-data/users/2"), api.url("/status/404"), "ftp://example.com/file",
                    api.url("/v1/sample-data/users/3"));

            List<FetchResult> results = client.fetchAll(urls).block();
            Map<Boolean, List<FetchResult>> split = results.stream()
                    .collect(Collectors.partitioningBy(FetchResult::isSuccess));

            System.out.printf("%d inputs, %d results: %d ok, %d failed%n", urls.size(), results.size(),
                    split.get(true).size(), split.get(false).size());
            split.get(true).forEach(r -> System.out.println("  ok     #" + r.index() + " " + r.json().get("name")));
            split.get(false).forEach(r -> System.out.println("  failed #" + r.index() + " " + r.kind() + ": "
                    + r.error().get().getMessage()));
            System.out.println("failures by kind: " + split.get(false).stream()
                    .collect(Collectors.groupingBy(FetchResult::kind, Collectors.counting())));
        }
    }

    private PartialFailures() {
    }
}
