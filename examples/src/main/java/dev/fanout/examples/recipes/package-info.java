/**
 * One runnable class per recipe, each against the embedded {@link dev.fanout.examples.server.SampleApiServer};
 * each prints what it shows and ends by itself. Run one with
 * {@code ./mvnw -q -B -pl examples -am compile exec:java -Dexec.mainClass=dev.fanout.examples.recipes.NAME}.
 */
package dev.fanout.examples.recipes;
