#!/usr/bin/env bash
# Fanout's end-to-end benchmarks: builds the benchmarks module (no `mvn install`), makes sure nginx
# is there, and runs the whole set, each client in a JVM of its own, against nginx on 127.0.0.1.
#
#   ./benchmarks/run.sh                    full set, 3 interleaved repeats, S4 = 1,000,000 URLs (sized for < 10 min on a quiet 2-core machine)
#   ./benchmarks/run.sh --quick            small sizes, 1 repeat (about two minutes): proves the harness works
#   ./benchmarks/run.sh --scenarios S4 --s4-count 10000000    the full ten-million-URL S4 on its own
#   ./benchmarks/run.sh --micro [JMH options]   the JMH micro-benchmarks with -prof gc (bytes per request)
#   ./benchmarks/run.sh --scenarios S1 --clients fanout-as-completed,fanout-h2c,reactor-netty,reactor-netty-h2c,reactor-netty-h2c-mux
#                                          HTTP/1.1 vs cleartext HTTP/2 (h2c) on S1 (benchmarks/RESULTS.md)
#
# Other options go to the harness: --repeats N, --scenarios S1,S3, --clients a,b, --n N (requests per run, not S4),
# --warmup-scale F (longer warm-ups, an experiment), --target nginx|netty, --out DIR, --jfr DIR (see LoadBench).
# JDK: $BENCH_JAVA if set, else the newest JDK 21+ under /usr/lib/jvm (so the virtual-thread client runs),
# else `java`. Every client of a run uses that one JDK. Output: a table on stdout; benchmarks/results/
# results.json, table.md, throughput.png and s4-heap.png.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--no-build" ]]; then
  ./mvnw -q -B -pl benchmarks -am package -DskipTests
else
  shift
fi

if [[ ! -x /usr/sbin/nginx || ! -e /usr/lib/nginx/modules/ngx_http_echo_module.so ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing nginx and libnginx-mod-http-echo from the Debian packages" >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx libnginx-mod-http-echo >/dev/null
  else
    echo "nginx (and libnginx-mod-http-echo for the 100 ms endpoint) not found; as root: apt-get install nginx" \
         "libnginx-mod-http-echo. Without nginx the harness falls back to a Reactor Netty target in its own JVM." >&2
  fi
fi

java_bin="${BENCH_JAVA:-}"
if [[ -z "$java_bin" ]]; then
  best=0
  for j in /usr/lib/jvm/*/bin/java; do
    [[ -x "$j" ]] || continue
    v=$("$j" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
    if [[ "$v" =~ ^[0-9]+$ && "$v" -ge 21 && "$v" -gt "$best" ]]; then best=$v; java_bin=$j; fi
  done
  java_bin="${java_bin:-java}"
fi
echo "JDK for every client: $java_bin ($("$java_bin" -version 2>&1 | head -1))" >&2

cp="benchmarks/target/fanout-benchmarks.jar:benchmarks/target/lib/*"
if [[ "${1:-}" == "--micro" ]]; then
  shift
  # Given options replace the short defaults (one fork, 3 x 1 s warm-up, 5 x 1 s measurement).
  if [[ $# -eq 0 ]]; then set -- -f 1 -wi 3 -w 1s -i 5 -r 1s; fi
  exec "$java_bin" -cp "$cp" org.openjdk.jmh.Main -prof gc "$@" 'dev\.fanout\.(benchmarks\.micro|internal)\..*'
fi
exec "$java_bin" -cp "$cp" dev.fanout.benchmarks.load.LoadBench "$@"
