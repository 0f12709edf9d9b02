package dev.fanout.internal;

import dev.fanout.FetchRequest;
import io.netty.handler.codec.http.HttpMethod;

import java.net.URI;

/**
 * A request that passed validation, with what the exchange needs already worked out.
 *
 * @param safeUrl the URL without user info, for messages
 * @param body the serialized body, or null
 * @param contentType the body's content type, or null
 * @param authorization a Basic authorization value from the URL's user info, or null
 */
public record ValidatedRequest(FetchRequest request, HttpMethod method, URI uri, String safeUrl, byte[] body,
                               String contentType, String authorization) {
}
