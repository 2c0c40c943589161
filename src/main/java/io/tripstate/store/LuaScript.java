package io.tripstate.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * A Lua script run on exactly one key: sent by its SHA-1 ({@code EVALSHA}), and once more in full ({@code EVAL})
 * when the server answers {@code NOSCRIPT} (a restarted server, a failover, a Redis Cluster node that has not
 * seen it yet: each node keeps its own script cache). One key per script, by design: it runs unchanged on
 * Redis Cluster, which routes the script by that key. Immutable, safe to share between threads.
 */
public final class LuaScript {
  private final String source;
  private final String sha1;

  public LuaScript(String source) {
    this.source = source;
    this.sha1 = sha1(source);
  }

  public String source() {
    return source;
  }

  /** The SHA-1 of the source, lower-case hex, as {@code EVALSHA} names it. */
  public String sha1() {
    return sha1;
  }

  /**
   * Runs the script on {@code key} with {@code args} (its {@code ARGV}).
   *
   * @param sender sends one request and bounds it by the caller's command timeout
   */
  public Future<Response> run(Function<Request, Future<Response>> sender, String key, String... args) {
    return sender.apply(request(Command.EVALSHA, sha1, key, args))
        .recover(error -> error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT")
            ? sender.apply(request(Command.EVAL, source, key, args))
            : Future.failedFuture(error));
  }

  private static Request request(Command command, String script, String key, String[] args) {
    Request request = Request.cmd(command).arg(script).arg(1).arg(key);
    for (String arg : args) {
      request.arg(arg);
    }
    return request;
  }

  private static String sha1(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by every Java platform", e);
    }
  }
}
