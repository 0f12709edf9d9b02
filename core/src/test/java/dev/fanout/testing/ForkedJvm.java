package dev.fanout.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a class's {@code main} in a JVM of its own (a small heap, another class path) and hands back
 * what it printed. The output goes to a file, read once the child has ended or been stopped at the
 * timeout: reading a pipe would wait for a hung child for ever.
 */
public final class ForkedJvm {

    /** What the child printed (stdout and stderr), whether it ended in time, and its exit code (-1 if not). */
    public record Outcome(String output, boolean ended, int exitCode) {
    }

    private ForkedJvm() {
    }

    /** Runs {@code main} with this JVM's java, {@code jvmArgs}, {@code classPath} and {@code args}. */
    public static Outcome run(Duration timeout, List<String> jvmArgs, String classPath, Class<?> main, String... args)
            throws IOException, InterruptedException {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", classPath, main.getName()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("forked-jvm", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            return new Outcome(Files.readString(log, StandardCharsets.UTF_8), ended, ended ? p.exitValue() : -1);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
