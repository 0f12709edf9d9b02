package dev.fanout.benchmarks.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * nginx from the Debian packages ({@code nginx}, {@code libnginx-mod-http-echo}), started with a
 * generated configuration in a temporary directory: one worker process, access log off, static
 * JSON, {@code echo_sleep} for the delay (a timer, no CPU while waiting; {@code /nodelay} is the same echo
 * without it, for S2's warm-up) and {@code split_clients}
 * on {@code $request_id} for a random 10 % of 503s. Stopped by the PID it was started with.
 *
 * <p>One server block listens on two ports: HTTP/1.1 on one, cleartext HTTP/2 with prior knowledge
 * ({@code listen ... http2} without {@code ssl}: nginx 1.22 expects the h2 preface and speaks nothing
 * else there) on the other. Since nginx 1.19.7 {@code keepalive_requests} and {@code keepalive_timeout}
 * also bound HTTP/2 connections ({@code http2_max_requests}, default 1,000, is obsolete): at
 * 10,000,000 nginx never sends a GOAWAY mid-run. {@code http2_max_concurrent_streams} is written out
 * at nginx's default, 128: concurrency 256 needs at least two h2 connections.
 */
final class NginxTarget implements Target {

    static final Path NGINX = Path.of("/usr/sbin/nginx");
    static final Path ECHO_MODULE = Path.of("/usr/lib/nginx/modules/ngx_http_echo_module.so");

    private final Process process;
    private final List<ProcessHandle> workers;
    private final int port;
    private final int h2cPort;
    private final String version;

    static Optional<Path> binary() {
        if (Files.isExecutable(NGINX)) {
            return Optional.of(NGINX);
        }
        return Optional.empty();
    }

    NginxTarget(Path dir) throws IOException, InterruptedException {
        if (!Files.exists(ECHO_MODULE)) {
            throw new IllegalStateException("nginx is installed but its echo module is not: "
                    + "apt-get install libnginx-mod-http-echo (needed for the 100 ms endpoint)");
        }
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.write(www.resolve("1k.json"), TargetFiles.json(TargetFiles.SMALL_SIZE));
        Files.write(www.resolve("100k.json"), TargetFiles.json(TargetFiles.LARGE_SIZE));
        // nginx's worker runs as an unprivileged user when we are root: it must be able to read these.
        for (Path p : List.of(dir, www)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        for (Path p : List.of(www.resolve("1k.json"), www.resolve("100k.json"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
        this.port = freePort();
        int p2 = freePort();
        while (p2 == port) {
            p2 = freePort();
        }
        this.h2cPort = p2;
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config(dir, www, port, h2cPort));
        this.version = versionOf();
        this.process = new ProcessBuilder(NGINX.toString(), "-p", dir.toString(), "-c", conf.toString(),
                "-e", dir.resolve("error.log").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("nginx.out").toFile())
                .start();
        awaitListening(dir, port);
        awaitListening(dir, h2cPort);
        this.workers = process.descendants().collect(Collectors.toList());
    }

    /** Streams nginx lets one HTTP/2 connection carry at once (its default, written out). */
    static final int H2_MAX_CONCURRENT_STREAMS = 128;

    private static String config(Path dir, Path www, int port, int h2cPort) {
        return "load_module " + ECHO_MODULE + ";\n"
                + "daemon off;\n"
                + "worker_processes 1;\n"
                + "pid " + dir.resolve("nginx.pid") + ";\n"
                + "error_log " + dir.resolve("error.log") + " warn;\n"
                + "events { worker_connections 4096; }\n"
                + "http {\n"
                + "  access_log off;\n"
                + "  default_type application/json;\n"
                + "  keepalive_requests 10000000;\n"
                + "  keepalive_timeout 75s;\n"
                + "  http2_max_concurrent_streams " + H2_MAX_CONCURRENT_STREAMS + ";\n"
                + "  client_body_temp_path " + dir.resolve("tmp-body") + ";\n"
                + "  proxy_temp_path " + dir.resolve("tmp-proxy") + ";\n"
                + "  fastcgi_temp_path " + dir.resolve("tmp-fastcgi") + ";\n"
                + "  uwsgi_temp_path " + dir.resolve("tmp-uwsgi") + ";\n"
                + "  scgi_temp_path " + dir.resolve("tmp-scgi") + ";\n"
                + "  split_clients \"${request_id}\" $fail { 10% 1; * \"\"; }\n"
                + "  server {\n"
                + "    listen 127.0.0.1:" + port + " backlog=4096;\n"
                + "    listen 127.0.0.1:" + h2cPort + " http2 backlog=4096;\n"
                + "    root " + www + ";\n"
                + "    location = /nginx_status { stub_status; }\n"
                + "    location = /delay { echo_sleep 0.1; echo '{\"slept\":100}'; }\n"
                + "    location = /nodelay { echo '{\"slept\":0}'; }\n"
                + "    location = /flaky {\n"
                + "      if ($fail) { return 503 '{\"error\":\"unavailable\"}'; }\n"
                + "      rewrite ^ /1k.json break;\n"
                + "    }\n"
                + "  }\n"
                + "}\n";
    }

    private void awaitListening(Path dir, int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited with " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("nginx.out"), StandardCharsets.UTF_8)
                        + (Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log")) : ""));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        close();
        throw new IllegalStateException("nginx did not listen on 127.0.0.1:" + port + " within 10 s");
    }

    private static String versionOf() {
        try {
            Process p = new ProcessBuilder(NGINX.toString(), "-v").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return out.replace("nginx version: ", "");
        } catch (IOException | InterruptedException e) {
            return "nginx";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** Connections nginx has accepted so far (stub_status), or -1. */
    @Override
    public long acceptedConnections() {
        try {
            java.net.http.HttpResponse<String> res = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/nginx_status")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            // "Active connections: 1 \nserver accepts handled requests\n 12 12 34 \n..."
            String[] lines = res.body().split("\n");
            return Long.parseLong(lines[2].trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public String h2cBaseUrl() {
        return "http://127.0.0.1:" + h2cPort;
    }

    @Override
    public String description() {
        return version + ", 1 worker process, access log off, h2c on a second port (max "
                + H2_MAX_CONCURRENT_STREAMS + " streams per connection)";
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM to the master we started: it stops its worker
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle w : workers) {
            if (w.isAlive()) {
                w.destroyForcibly();
            }
        }
    }
}
