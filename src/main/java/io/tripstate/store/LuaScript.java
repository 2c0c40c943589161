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
 * A Lua script on one key, sent by its SHA-1 ({@code EVALSHA}) and by its source when the server has not seen
 * it yet ({@code NOSCRIPT}: a restarted server, or a Redis Cluster node that never ran it).
 */
public final class LuaScript {
  private final String source;
  private final String sha;

  public LuaScript(String source) {
    this.source = source;
    this.sha = sha1(source);
  }

  /** Runs the script on {@code key} with {@code args}, through {@code sender} (which bounds it in time). */
  public Future<Response> run(Function<Request, Future<Response>> sender, String key, String... args) {
    return sender.apply(request(Command.EVALSHA, sha, key, args))
        .recover(error -> error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT")
            ? sender.apply(request(Command.EVAL, source, key, args))
            : Future.failedFuture(error));
  }

  public String source() {
    return source;
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
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by every Java platform", e);
    }
  }
}
