package dev.fanout.examples.cli;

import dev.fanout.examples.recipes.FetchSampleApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/** {@code fanout demo}: the embedded sample API on a free loopback port, fetched concurrently and one by one. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start the embedded sample API on a free 127.0.0.1 port, fetch its endpoints concurrently, "
                + "print url, status, items and ms, and the time against fetching them one by one. No internet needed.")
final class DemoCommand implements Callable<Integer> {

    @ParentCommand
    private FanoutCli parent;

    @Override
    public Integer call() {
        FetchSampleApi.run(parent.out());
        parent.out().flush();
        return 0;
    }
}
