/** The {@code fanout} command-line tool ({@link dev.fanout.examples.cli.FanoutCli}), launched by {@code ./fanout}. */
package dev.fanout.examples.cli;
