/**
 * JMH micro-benchmarks of the pipeline stages that do not touch the network: validation,
 * admission, classification and result assembly. Run with {@code -prof gc} for bytes per request.
 */
package dev.fanout.benchmarks.micro;
