package dev.fanout.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.examples.server.SampleApiServer;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tool as a separate JVM process ({@code java -cp ... FanoutCli}, as the {@code ./fanout}
 * launcher runs it): real stdin, stdout and stderr, real exit status.
 */
class FanoutProcessTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void theDemoRunsOfflineAndPrintsTheTable() throws Exception {
        Result demo = run("", "demo");

        assertThat(demo.status).as(demo.stderr).isZero();
        assertThat(demo.stdout).containsPattern("url +status +items +ms")
                .containsPattern("http://127\\.0\\.0\\.1:\\d+/v1/sample-data/products +200 +30 ")
                .containsPattern("fetched 8 URLs concurrently in \\d+ ms; one by one took \\d+ ms");
    }

    @Test
    void stdoutCarriesOnlyJsonLinesAndStderrTheSummary() throws Exception {
        try (SampleApiServer api = SampleApiServer.start()) {
            String input = api.url("/status/200") + "\n# skipped\n" + api.url("/status/500") + "\nnot a url\n";
            Result run = run(input, "--ordered", "-");

            assertThat(run.status).as(run.stderr).isZero();
            List<JsonNode> lines = new ArrayList<>();
            for (String line : run.stdout.split("\n")) {
                lines.add(MAPPER.readTree(line)); // every stdout line is JSON
            }
            assertThat(lines).extracting(l -> l.get("index").asInt() + " " + l.get("status").asInt() + " "
                    + l.get("kind").asText()).containsExactly("0 200 null", "1 500 HTTP_STATUS", "2 0 INVALID_REQUEST");
            assertThat(run.stderr).contains("fanout: 3 requests in").contains("by status:").contains("latency:");
        }
    }

    @Test
    void badUsageExitsTwo() throws Exception {
        Result unknown = run("", "--frobnicate");
        assertThat(unknown.status).isEqualTo(2);
        assertThat(unknown.stdout).isEmpty();
        assertThat(unknown.stderr).startsWith("fanout: Unknown option: '--frobnicate'").contains("--help");

        Result unreadable = run("", "/no/such/file.txt");
        assertThat(unreadable.status).isEqualTo(2);
        assertThat(unreadable.stderr).startsWith("fanout: cannot read /no/such/file.txt");
    }

    @Test
    void theLauncherIsAnExecutableBashScript() throws Exception {
        Path launcher = repositoryRoot().resolve("fanout");
        assertThat(Files.isExecutable(launcher)).as(launcher + " is executable").isTrue();
        Process check = new ProcessBuilder("bash", "-n", launcher.toString()).redirectErrorStream(true).start();
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as(new String(check.getInputStream().readAllBytes())).isZero();
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("the repository root (holding mvnw)").isNotNull();
        return dir;
    }

    private record Result(int status, String stdout, String stderr) {
    }

    private static Result run(String stdin, String... args) throws IOException, InterruptedException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath,
                FanoutCli.class.getName()));
        command.addAll(List.of(args));
        File out = File.createTempFile("fanout-out", ".txt");
        File err = File.createTempFile("fanout-err", ".txt");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("fanout did not finish in 60 s: " + Files.readString(err.toPath()));
            }
            return new Result(process.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
        } finally {
            out.delete();
            err.delete();
        }
    }
}
