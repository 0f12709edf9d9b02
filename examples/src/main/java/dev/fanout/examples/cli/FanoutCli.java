package dev.fanout.examples.cli;

import dev.fanout.BatchProgress;
import dev.fanout.FetchClient;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.RetryPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The {@code fanout} command-line tool: URLs in (a file or stdin, one per line), one JSON line per
 * result out, progress and a summary on stderr. Run through {@code ./fanout} at the repository
 * root; {@link #run} is the in-process entry point (tests call it with their own streams).
 *
 * <pre>
 * ./fanout demo
 * ./fanout --concurrency 128 urls.txt &gt; results.jsonl
 * cat urls.txt | ./fanout --ordered -
 * </pre>
 *
 * Exit status: 0 when the run completed (failed requests are result lines), 2 for bad usage or an
 * unreadable input, 141 when stdout was closed early (as by {@code | head}; nothing more is fetched).
 */
@Command(name = "fanout", sortOptions = false, showDefaultValues = true, usageHelpAutoWidth = true,
        version = "fanout 0.1.0-SNAPSHOT",
        subcommands = {DemoCommand.class, ExampleCommand.class, TrainCommand.class},
        description = {
            "Fetch many URLs concurrently. Reads URLs one per line from FILE, or stdin when FILE is - or absent "
                + "(blank lines and # comments skipped), and writes one JSON line per URL to stdout as results "
                + "complete (see the end of this help). "
                + "Progress and a summary go to stderr. Redirects are followed. Exit status 0 when the run completed, "
                + "2 for bad usage or an unreadable input, 141 when stdout is closed early (| head).",
            ""},
        footer = {"", "Each output line:",
            "  {\"index\":0,\"url\":\"...\",\"ok\":true,\"status\":200,\"kind\":null,\"error\":null,"
                + "\"attempts\":1,\"elapsed_ms\":12.3,\"bytes\":1042}",
            "index counts the URL lines from 0; kind (a failure kind such as CONNECT or HTTP_STATUS) and error are "
                + "null on success; a user:password@ in a URL is not echoed.",
            "", "Examples:", "  ./fanout demo", "  ./fanout example FirstCompleted", "  ./fanout --concurrency 128 urls.txt > results.jsonl",
            "  cat urls.txt | ./fanout --ordered -"})
public final class FanoutCli implements Callable<Integer> {

    /** Exit status when stdout is closed before the run ends, as for a tool ended by SIGPIPE (128 + 13). */
    static final int STDOUT_CLOSED = 141;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE|-", defaultValue = "-",
            description = "URLs, one per line; - for stdin.")
    private String file;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "N",
            defaultValue = "" + FetchClient.Builder.DEFAULT_CONCURRENCY,
            description = "Requests in flight at once.")
    private int concurrency;

    @Option(names = "--max-per-host", paramLabel = "N",
            defaultValue = "" + FetchClient.Builder.DEFAULT_MAX_CONNECTIONS_PER_HOST,
            description = "Connections to one host (scheme, host, port) at once.")
    private int maxPerHost;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "5s",
            converter = Converters.DurationConverter.class,
            description = "Longest wait to open a connection (500ms, 5s, 2m; a bare number is seconds).")
    private Duration connectTimeout;

    @Option(names = {"-t", "--timeout"}, paramLabel = "DURATION", defaultValue = "30s",
            converter = Converters.DurationConverter.class,
            description = "Longest time for a whole request, waiting for a connection and the body included.")
    private Duration timeout;

    @Option(names = {"-X", "--method"}, paramLabel = "METHOD",
            description = "HTTP method (default: GET, or POST with --data).")
    private String method;

    @Option(names = {"-H", "--header"}, paramLabel = "'NAME: VALUE'",
            showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "A header sent with every request; repeat for more.")
    private List<String> headers = new ArrayList<>();

    @Option(names = {"-d", "--data"}, paramLabel = "BODY|@FILE",
            description = "Request body sent with every request (@FILE reads it from a file); "
                    + "Content-Type application/json unless given with --header.")
    private String data;

    @Option(names = "--ordered", description = "Write results in input order (still fetched concurrently).")
    private boolean ordered;

    @Option(names = "--max-body", paramLabel = "SIZE", defaultValue = "16m",
            converter = Converters.SizeConverter.class,
            description = "Largest response body read (1024, 64k, 16m); larger ones fail as BODY_TOO_LARGE.")
    private int maxBody;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (a bar when stderr is a terminal, else a status line), bar, line or none.")
    private ProgressReporter.Mode progressMode;

    @Option(names = "--progress-interval", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "How often progress is shown (default: 200ms for the bar, 2s for the line).")
    private Duration progressInterval;

    @Option(names = {"-k", "--insecure"},
            description = "Skip TLS certificate and host name checks (test servers only; warns once).")
    private boolean insecure;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "2",
            description = "Retries per request for transient failures and 429/502/503/504, with backoff and "
                    + "Retry-After; 0 turns them off. Default: ${DEFAULT-VALUE}.")
    private int retries;

    @Option(names = "--rate", paramLabel = "R",
            description = "Requests per second over all hosts, spaced evenly (no one-second window holds more "
                    + "than R+1). Default: no limit.")
    private Double rate;

    @Option(names = "--rate-per-host", paramLabel = "R",
            description = "Requests per second to one host, spaced evenly. Default: no limit.")
    private Double ratePerHost;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Show the version and exit.")
    private boolean version;

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean stderrIsTerminal;

    private FanoutCli(InputStream in, PrintStream out, PrintStream err, boolean stderrIsTerminal) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.stderrIsTerminal = stderrIsTerminal;
    }

    /** Runs the tool and exits with its status. */
    public static void main(String[] args) {
        // the ./fanout launcher tells whether stderr is a terminal; System.console() only knows stdin and stdout
        String tty = System.getenv("FANOUT_STDERR_TTY");
        boolean terminal = tty != null ? tty.equals("1") : System.console() != null;
        System.exit(run(args, System.in, System.out, System.err, terminal));
    }

    /** Runs the tool with the given streams and returns its exit status; never calls {@code System.exit}. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return run(args, in, out, err, false);
    }

    static int run(String[] args, InputStream in, PrintStream out, PrintStream err, boolean stderrIsTerminal) {
        CommandLine cmd = new CommandLine(new FanoutCli(in, out, err, stderrIsTerminal));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler((e, a) -> usageError(err, e.getMessage()));
        cmd.setExecutionExceptionHandler((e, c, parsed) -> {
            if (e instanceof UsageError) {
                return usageError(err, e.getMessage());
            }
            err.println("fanout: " + e);
            return 1;
        });
        return cmd.execute(args);
    }

    private static int usageError(PrintStream err, String message) {
        err.println("fanout: " + message);
        err.println("Usage: fanout [options] [FILE|-]  |  fanout demo   (try 'fanout --help')");
        return 2;
    }

    PrintStream out() {
        return out;
    }

    @Override
    public Integer call() throws IOException {
        FetchRequest template = template();
        boolean fromStdin = file.equals("-");
        Path path = fromStdin ? null : Path.of(file);
        if (path != null && (!Files.isRegularFile(path) || !Files.isReadable(path))) {
            throw new UsageError("cannot read " + file + ": " + (Files.exists(path)
                    ? (Files.isDirectory(path) ? "it is a directory" : "permission denied") : "no such file"));
        }

        BatchProgress progress = new BatchProgress();
        if (path != null) {
            countInBackground(path, progress);
        }
        Scheduler io = Schedulers.newSingle("fanout-input", true);
        try (FetchClient client = client(progress);
             JsonLines lines = new JsonLines(out)) {
            Flux<FetchRequest> requests = UrlSource.lines(
                            () -> new BufferedReader(new InputStreamReader(
                                    fromStdin ? in : Files.newInputStream(path), StandardCharsets.UTF_8), 64 * 1024),
                            !fromStdin, io)
                    .map(url -> withUrl(template, url));
            Flux<FetchResult> results = ordered ? client.fetchOrdered(requests) : client.fetchAsCompleted(requests);
            RunSummary summary = new RunSummary();
            try (ProgressReporter reporter = ProgressReporter.start(progressMode, progress, err, progressInterval,
                    stderrIsTerminal)) {
                // results are written on this thread, never on an event loop: stdout may block
                try (Stream<FetchResult> stream = results.toStream(concurrency)) {
                    for (Iterator<FetchResult> it = stream.iterator(); it.hasNext(); ) {
                        FetchResult r = it.next();
                        lines.write(r);
                        if (out.checkError()) {
                            // stdout was closed (| head): stop reading and fetching, like a tool ended by SIGPIPE
                            return STDOUT_CLOSED;
                        }
                        summary.record(r);
                    }
                }
            } catch (UncheckedIOException e) {
                throw new UsageError(e.getMessage());
            }
            summary.print(progress.snapshot(), err);
        } finally {
            io.dispose();
        }
        return 0;
    }

    private FetchClient client(BatchProgress progress) {
        try {
            FetchClient.Builder builder = FetchClient.builder()
                    .concurrency(concurrency)
                    .maxConnectionsPerHost(maxPerHost)
                    .maxConnections(Math.max(FetchClient.Builder.DEFAULT_MAX_CONNECTIONS, Math.max(1, maxPerHost)))
                    .connectTimeout(connectTimeout)
                    .requestTimeout(timeout)
                    .maxBodySize(maxBody)
                    .listener(progress);
            if (retries < 0) {
                throw new UsageError("--retries " + retries + " (expected: >= 0)");
            }
            builder.retry(retries == 0 ? RetryPolicy.none() : RetryPolicy.defaults().maxAttempts(retries + 1));
            if (rate != null) {
                builder.rateLimit(rate);
            }
            if (ratePerHost != null) {
                builder.rateLimitPerHost(ratePerHost);
            }
            if (insecure) {
                builder.insecure();
            }
            for (String header : headers) {
                int colon = header.indexOf(':');
                if (colon <= 0) {
                    throw new UsageError("--header '" + header + "' (expected: 'Name: value')");
                }
                builder.defaultHeader(header.substring(0, colon).strip(), header.substring(colon + 1).strip());
            }
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new UsageError("invalid option value: " + e.getMessage());
        }
    }

    private FetchRequest template() throws IOException {
        String m = method != null ? method.toUpperCase(Locale.ROOT) : data != null ? "POST" : "GET";
        if (!m.matches("[A-Z0-9!#$%&'*+.^_`|~-]+")) {
            throw new UsageError("--method '" + method + "' (expected: an HTTP method such as GET)");
        }
        FetchRequest template = FetchRequest.of(m, "");
        if (data != null) {
            byte[] body;
            if (data.startsWith("@")) {
                Path p = Path.of(data.substring(1));
                if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                    throw new UsageError("cannot read --data file " + p);
                }
                body = Files.readAllBytes(p);
            } else {
                body = data.getBytes(StandardCharsets.UTF_8);
            }
            boolean typed = headers.stream().anyMatch(h -> h.toLowerCase(Locale.ROOT).startsWith("content-type:"));
            template = template.body(body, typed ? null : "application/json");
        }
        return template;
    }

    private static FetchRequest withUrl(FetchRequest template, String url) {
        FetchRequest r = FetchRequest.of(template.method(), url);
        return template.hasBody() ? r.body(template.body(), template.contentType()) : r;
    }

    /** Counts the lines of a file on a daemon thread, so the bar can show done/total once it knows. */
    private static void countInBackground(Path path, BatchProgress progress) {
        Thread counter = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(Files.newInputStream(path),
                    StandardCharsets.UTF_8), 64 * 1024)) {
                long n = 0;
                while (UrlSource.next(reader) != null) {
                    n++;
                }
                progress.total(n);
            } catch (IOException | UncheckedIOException e) {
                // the total stays unknown; the run itself reports an unreadable input
            }
        }, "fanout-count");
        counter.setDaemon(true);
        counter.start();
    }
}
