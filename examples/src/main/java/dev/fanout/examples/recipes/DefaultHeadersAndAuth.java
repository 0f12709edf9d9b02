package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.examples.server.SampleApiServer;

/**
 * Default headers and bearer auth ({@code ClientSession(headers=...)}): {@code defaultHeader}
 * sends a header with every request of the client; a request's own header of the same name
 * replaces it. Credentials never appear in results' messages or {@code toString()}.
 */
public final class DefaultHeadersAndAuth {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient authed = FetchClient.builder()
                     .defaultHeader("Authorization", "Bearer " + SampleApiServer.TOKEN)
                     .defaultHeader("Accept", "application/json")
                     .userAgent("fanout-examples/1.0")
                     .build();
             FetchClient anonymous = FetchClient.create()) {

            FetchResult me = authed.fetch(api.url("/auth/me")).block();
            System.out.println("with the default bearer token: " + me.status() + " " + me.bodyAsString());

            FetchResult denied = anonymous.fetch(api.url("/auth/me")).block();
            System.out.println("without it:                    " + denied.status() + " " + denied.bodyAsString());

            FetchResult overridden = authed.fetch(FetchRequest.get(api.url("/auth/me"))
                    .header("Authorization", "Bearer wrong")).block();
            System.out.println("request header overrides:      " + overridden.status());

            FetchResult echo = authed.fetch(FetchRequest.post(api.url("/echo")).json("hi")).block();
            System.out.println("headers the server saw: user-agent=" + echo.json().get("headers").get("user-agent")
                    + " accept=" + echo.json().get("headers").get("accept"));
        }
    }

    private DefaultHeadersAndAuth() {
    }
}
