/**
 * The pipeline stages behind {@code FetchClient}. Not API: anything here may change in any release.
 */
package dev.fanout.internal;
