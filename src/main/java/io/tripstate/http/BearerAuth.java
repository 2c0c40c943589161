package io.tripstate.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks {@code Authorization: Bearer <token>} against one token, in constant time, and answers 401 with a
 * {@code WWW-Authenticate} challenge otherwise. Synchronous, so it runs before any body is read.
 */
final class BearerAuth {
  private static final String CHALLENGE = "Bearer realm=\"tripstate\"";

  private final byte[] expected;

  /** @param token the token to require; never logged */
  BearerAuth(String token, String what) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the " + what + " must be a non-empty string");
    }
    this.expected = sha256(token);
  }

  /** Passes the request on when it carries the token, else answers 401. */
  void handle(RoutingContext ctx) {
    String presented = bearerToken(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
    // Digests have a fixed length, so the comparison's time says nothing about the token's length either.
    if (presented == null || !MessageDigest.isEqual(expected, sha256(presented))) {
      ctx.response().putHeader("WWW-Authenticate", CHALLENGE);
      Replies.error(ctx, 401, presented == null
          ? "missing bearer token: send 'Authorization: Bearer <token>'" : "invalid bearer token");
      return;
    }
    ctx.next();
  }

  /** The credentials of an {@code Authorization: Bearer <token>} header, or {@code null}. */
  private static String bearerToken(String header) {
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).strip();
    return token.isEmpty() ? null : token;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
