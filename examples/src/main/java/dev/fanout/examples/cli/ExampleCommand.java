package dev.fanout.examples.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;

/** {@code fanout example NAME}: runs one of the recipes in {@code dev.fanout.examples.recipes} by its class name. */
@Command(name = "example", mixinStandardHelpOptions = true,
        description = "Run one example from dev.fanout.examples.recipes by its class name, e.g. "
                + "'fanout example ConcurrencyLimit' (the README lists them all).")
final class ExampleCommand implements Callable<Integer> {

    private static final String PACKAGE = "dev.fanout.examples.recipes.";

    @Parameters(paramLabel = "NAME", description = "The example's class name, such as FirstCompleted.")
    private String name;

    @Override
    public Integer call() throws Exception {
        Method main;
        try {
            main = Class.forName(PACKAGE + name).getMethod("main", String[].class);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new UsageError("no example named " + name + " (the README's Examples section lists them)");
        }
        try {
            main.invoke(null, (Object) new String[0]);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
        return 0;
    }
}
