package dev.fanout.examples.cli;

import dev.fanout.examples.recipes.FetchSampleApi;
import dev.fanout.examples.server.SampleApiServer;
import picocli.CommandLine.Command;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * Hidden: exercises the demo and a small run against the embedded server, silently, so that the
 * launcher can record the classes they load in its class-data-sharing archive.
 */
@Command(name = "train-cds", hidden = true)
final class TrainCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        FetchSampleApi.run(nowhere);
        try (SampleApiServer api = SampleApiServer.start()) {
            String urls = api.url("/status/200") + "\n" + api.url("/status/404") + "\nnot a url\n";
            return FanoutCli.run(new String[] {"--ordered", "--progress", "line", "-"},
                    new ByteArrayInputStream(urls.getBytes(StandardCharsets.UTF_8)), nowhere, nowhere);
        }
    }
}
