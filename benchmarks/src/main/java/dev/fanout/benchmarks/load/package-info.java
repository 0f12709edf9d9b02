/**
 * End-to-end load benchmarks: Fanout side by side with raw Reactor Netty (its engine), Spring
 * {@code WebClient} and the JDK {@code HttpClient}, against nginx on 127.0.0.1. Entry point:
 * {@link dev.fanout.benchmarks.load.LoadBench}; each measured run happens in its own JVM
 * ({@link dev.fanout.benchmarks.load.RunOne}).
 */
package dev.fanout.benchmarks.load;
