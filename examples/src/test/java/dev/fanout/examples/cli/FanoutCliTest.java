package dev.fanout.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.examples.server.SampleApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The fanout tool in-process, against the embedded sample API on 127.0.0.1. */
class FanoutCliTest {

    private static final List<String> CONTRACT_FIELDS = List.of("index", "url", "ok", "status", "kind", "error",
            "attempts", "elapsed_ms", "bytes");

    private static SampleApiServer api;

    @BeforeAll
    static void start() {
        api = SampleApiServer.start();
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    @Test
    void everyLineCarriesExactlyTheContractFields() {
        String input = api.url("/v1/sample-data/users/1") + "\n" + api.url("/status/404") + "\n";
        CliRun run = CliRun.of(input, "--ordered", "--progress", "none");

        assertThat(run.status()).isZero();
        List<JsonNode> lines = run.lines();
        assertThat(lines).hasSize(2);
        for (JsonNode line : lines) {
            List<String> names = new ArrayList<>();
            line.fieldNames().forEachRemaining(names::add);
            assertThat(names).containsExactlyElementsOf(CONTRACT_FIELDS);
        }
        JsonNode ok = lines.get(0);
        assertThat(ok.get("index").asLong()).isZero();
        assertThat(ok.get("url").asText()).isEqualTo(api.url("/v1/sample-data/users/1"));
        assertThat(ok.get("ok").asBoolean()).isTrue();
        assertThat(ok.get("status").asInt()).isEqualTo(200);
        assertThat(ok.get("kind").isNull()).isTrue();
        assertThat(ok.get("error").isNull()).isTrue();
        assertThat(ok.get("attempts").asInt()).isEqualTo(1);
        assertThat(ok.get("elapsed_ms").isNumber()).isTrue();
        assertThat(ok.get("elapsed_ms").asDouble()).isPositive();
        assertThat(ok.get("bytes").asLong()).isEqualTo(
                "{\"id\":1,\"name\":\"User 1\",\"email\":\"user1@example.com\"}".length());

        JsonNode notFound = lines.get(1);
        assertThat(notFound.get("index").asLong()).isEqualTo(1);
        assertThat(notFound.get("ok").asBoolean()).isFalse();
        assertThat(notFound.get("status").asInt()).isEqualTo(404);
        assertThat(notFound.get("kind").asText()).isEqualTo("HTTP_STATUS");
        assertThat(notFound.get("error").asText()).contains("404");
    }

    @Test
    void orderedWritesInInputOrderAndTheDefaultWritesAsResultsComplete() {
        // the first URL is slower than the others by far more than any scheduling noise
        String input = IntStream.of(1500, 0, 0, 0).mapToObj(ms -> api.url("/delay/" + ms))
                .collect(Collectors.joining("\n"));

        CliRun ordered = CliRun.of(input, "--ordered", "--progress", "none");
        assertThat(ordered.lines()).extracting(l -> l.get("index").asInt()).containsExactly(0, 1, 2, 3);

        CliRun asCompleted = CliRun.of(input, "--progress", "none");
        List<Integer> completion = asCompleted.lines().stream().map(l -> l.get("index").asInt()).toList();
        assertThat(completion).containsExactlyInAnyOrder(0, 1, 2, 3).endsWith(0);
    }

    @Test
    void blankLinesAndCommentsAreSkippedAndNotCounted() {
        String input = "# a comment\n\n" + api.url("/status/200") + "\n   \n  # indented comment\n  "
                + api.url("/status/201") + "  \r\n";
        CliRun run = CliRun.of(input, "--ordered", "--progress", "none");

        assertThat(run.lines()).extracting(l -> l.get("index").asInt() + " " + l.get("status").asInt())
                .containsExactly("0 200", "1 201");
    }

    @Test
    void anInvalidUrlIsAResultLineNotAnExit() {
        CliRun run = CliRun.of("not a url\n" + api.url("/status/200") + "\n", "--ordered", "--progress", "none");

        assertThat(run.status()).isZero();
        assertThat(run.lines()).hasSize(2);
        JsonNode invalid = run.lines().get(0);
        assertThat(invalid.get("url").asText()).isEqualTo("not a url");
        assertThat(invalid.get("kind").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(invalid.get("attempts").asInt()).isZero();
    }

    @Test
    void aPasswordInTheUrlIsNotEchoed() {
        String url = "http://alice:s3cret@127.0.0.1:" + api.port() + "/status/200";
        CliRun run = CliRun.of(url + "\n", "--progress", "none");

        assertThat(run.stdout()).doesNotContain("s3cret");
        assertThat(run.lines().get(0).get("url").asText()).isEqualTo(api.url("/status/200"));

        CliRun failed = CliRun.of(url.replace("/status/200", "/status/404") + "\n", "--progress", "none");
        assertThat(failed.lines().get(0).get("error").asText()).contains("404");
        assertThat(failed.stdout()).doesNotContain("s3cret");
    }

    @Test
    void methodHeaderAndDataAreSentWithEveryRequest() {
        CliRun run = CliRun.of(api.url("/echo") + "\n" + api.url("/echo") + "\n",
                "--data", "{\"a\":1}", "-H", "X-Trace: abc", "--progress", "none");

        assertThat(run.status()).isZero();
        assertThat(run.lines()).hasSize(2).allSatisfy(l -> assertThat(l.get("status").asInt()).isEqualTo(200));

        CliRun put = CliRun.of(api.url("/echo") + "\n", "-X", "put", "--progress", "none");
        assertThat(put.lines().get(0).get("ok").asBoolean()).isTrue();
    }

    @Test
    void maxBodyFailsLargerBodiesAsBodyTooLarge() {
        CliRun run = CliRun.of(api.url("/v1/sample-data/photos") + "\n", "--max-body", "1k", "--progress", "none");

        assertThat(run.lines().get(0).get("kind").asText()).isEqualTo("BODY_TOO_LARGE");
    }

    @Test
    void readsAFileAndShowsProgressLinesAndASummaryOnStderr(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("urls.txt");
        Files.writeString(file, api.url("/delay/400") + "\n" + api.url("/delay/400") + "\n"
                + api.url("/status/503") + "\nnot a url\n");

        CliRun run = CliRun.of("", "--progress", "line", "--progress-interval", "100ms", file.toString());

        assertThat(run.status()).isZero();
        assertThat(run.lines()).hasSize(4);
        assertThat(run.stderr()).containsPattern("fanout: \\d/4 \\(\\d+\\.\\d%\\) done, \\d+/s, ok \\d, failed \\d, "
                + "in flight \\d, \\ds");
        assertThat(run.stderr()).contains("fanout: 4 requests in ").contains(": 2 ok, 2 failed")
                .contains("by status: 0=1 200=2 503=1")
                .contains("by kind:   INVALID_REQUEST=1 HTTP_STATUS=1")
                .containsPattern("latency: +p50 [\\d.]+ms +p95 [\\d.]+ms +p99 [\\d.]+ms +max [\\d.]+ms");
        assertThat(run.stdout()).doesNotContain("fanout:");
    }

    @Test
    void theBarModeDrawsAProgressBarOnStderr() {
        String input = api.url("/delay/300") + "\n" + api.url("/delay/300") + "\n" + api.url("/status/500") + "\n";
        CliRun run = CliRun.of(input, "--progress", "bar", "--progress-interval", "50ms");

        assertThat(run.status()).isZero();
        assertThat(run.lines()).hasSize(3);
        assertThat(run.stderr()).contains("fanout").contains("3/? req").contains("ok 2, failed 1")
                .contains("fanout: 3 requests in");
        assertThat(run.stdout()).doesNotContain("req");
    }

    @Test
    void readsTheInputLazilyAsResultsDrain() {
        // 50,000 lines made on demand; by the time the first result is written, only a small part is read
        int total = 50_000;
        CountingLines input = new CountingLines(total);
        long[] readAtFirstResult = {-1};
        java.io.OutputStream watch = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                if (readAtFirstResult[0] < 0) {
                    readAtFirstResult[0] = input.linesServed;
                }
            }
        };
        int status = FanoutCli.run(new String[] {"--progress", "none"}, input, new java.io.PrintStream(watch),
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));

        assertThat(status).isZero();
        assertThat(input.linesServed).isEqualTo(total);
        assertThat(readAtFirstResult[0]).isBetween(1L, 10_000L);
    }

    @Test
    void aClosedStdoutStopsTheRunWithoutReadingTheRest() {
        CountingLines input = new CountingLines(200_000);
        java.io.OutputStream closedAfterFirstLine = new java.io.OutputStream() {
            private int newlines;

            @Override
            public void write(int b) throws IOException {
                if (newlines > 0) {
                    throw new IOException("Broken pipe");
                }
                if (b == '\n') {
                    newlines++;
                }
            }
        };
        int status = FanoutCli.run(new String[] {"--progress", "none"}, input,
                new java.io.PrintStream(closedAfterFirstLine), new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));

        assertThat(status).isEqualTo(FanoutCli.STDOUT_CLOSED);
        assertThat(input.linesServed).isLessThan(50_000);
    }

    @Test
    void badUsageExitsTwoWithAOneLineErrorAndTheUsageHint(@TempDir Path dir) {
        assertUsageError(CliRun.of("", "--no-such-option"), "Unknown option: '--no-such-option'");
        assertUsageError(CliRun.of("", "--concurrency", "lots"), "'lots' is not an int");
        assertUsageError(CliRun.of("", "--concurrency", "0"), "concurrency: 0 (expected: > 0)");
        assertUsageError(CliRun.of("", "--timeout", "soon"), "is not a duration");
        assertUsageError(CliRun.of("", "--max-body", "3q"), "unknown unit");
        assertUsageError(CliRun.of("", "-H", "no colon"), "expected: 'Name: value'");
        assertUsageError(CliRun.of("", "-X", "GE T"), "expected: an HTTP method");
        assertUsageError(CliRun.of("", dir.resolve("missing.txt").toString()), "no such file");
        assertUsageError(CliRun.of("", dir.toString()), "it is a directory");
    }

    @Test
    void retriesRetryTransientFailuresAndZeroTurnsThemOff() {
        // /flaky/{key}?failures=1 answers 503 (Retry-After: 1) once per key, then 200
        CliRun retried = CliRun.of(api.url("/flaky/cli-retry-a?failures=1"), "--progress", "none");
        CliRun noRetries = CliRun.of(api.url("/flaky/cli-retry-b?failures=1"), "--retries", "0", "--progress", "none");

        assertThat(retried.status()).isZero();
        assertThat(retried.lines().get(0).get("ok").asBoolean()).isTrue();
        assertThat(retried.lines().get(0).get("attempts").asInt()).isEqualTo(2);
        assertThat(noRetries.lines().get(0).get("ok").asBoolean()).isFalse();
        assertThat(noRetries.lines().get(0).get("status").asInt()).isEqualTo(503);
        assertThat(noRetries.lines().get(0).get("attempts").asInt()).isEqualTo(1);
        assertUsageError(CliRun.of("", "--retries", "-1"), "--retries -1 (expected: >= 0)");
    }

    @Test
    void rateSpacesRequestsEvenly() {
        // 6 requests at 5 per second, burst 1: the sixth cannot start before a second has passed
        String input = IntStream.range(0, 6).mapToObj(i -> api.url("/v1/sample-data/users/" + (i + 1)))
                .collect(Collectors.joining("\n"));
        long start = System.nanoTime();
        CliRun run = CliRun.of(input, "--rate", "5", "--progress", "none");
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(run.status()).isZero();
        assertThat(run.lines()).hasSize(6).allMatch(l -> l.get("ok").asBoolean());
        assertThat(tookMs).isGreaterThanOrEqualTo(1000);
        assertUsageError(CliRun.of("", "--rate", "0"), "rateLimit: 0.0 (expected: > 0)");
        assertUsageError(CliRun.of("", "--rate-per-host", "-2"), "rateLimitPerHost: -2.0 (expected: > 0)");
    }

    @Test
    void helpShowsEveryContractOptionWithDefaults() {
        CliRun run = CliRun.of("", "--help");

        assertThat(run.status()).isZero();
        assertThat(run.stdout()).contains("--concurrency", "--max-per-host", "--rate", "--rate-per-host",
                "--connect-timeout", "--timeout", "--retries", "--method", "--header", "--data", "--ordered",
                "--insecure", "--max-body", "Default: 64", "Default: 30s", "Default: 5s", "Default: 16m", "demo");
    }

    @Test
    void exampleRunsARecipeByNameAndRefusesAnUnknownOne() {
        assertThat(CliRun.of("", "example", "PartialFailures").status()).isZero();
        assertUsageError(CliRun.of("", "example", "NoSuchRecipe"), "no example named NoSuchRecipe");
    }

    private static void assertUsageError(CliRun run, String message) {
        assertThat(run.status()).as(run.stderr()).isEqualTo(2);
        assertThat(run.stdout()).isEmpty();
        String[] lines = run.stderr().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).startsWith("fanout: ").contains(message);
        assertThat(lines[1]).contains("Usage: fanout").contains("--help");
    }

    /** An input of n invalid-URL lines, made as they are read (never held in memory). */
    private static final class CountingLines extends InputStream {
        private final int lines;
        volatile long linesServed;
        private byte[] current = new byte[0];
        private int pos;

        CountingLines(int lines) {
            this.lines = lines;
        }

        @Override
        public int read() {
            if (pos == current.length) {
                if (linesServed == lines) {
                    return -1;
                }
                current = ("not-a-url-" + linesServed + "\n").getBytes(StandardCharsets.US_ASCII);
                pos = 0;
                linesServed++;
            }
            return current[pos++];
        }
    }

}
