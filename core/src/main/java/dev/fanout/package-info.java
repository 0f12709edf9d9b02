/**
 * Fanout: many HTTP requests, concurrently and without blocking, on Reactor Netty.
 *
 * <p>Start with {@link dev.fanout.FetchClient}: build one, share it, and hand it URLs or
 * {@link dev.fanout.FetchRequest}s. Every input yields exactly one {@link dev.fanout.FetchResult},
 * a success or a failure with a {@link dev.fanout.FetchException.Kind}.
 */
package dev.fanout;
