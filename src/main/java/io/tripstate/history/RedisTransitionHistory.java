package io.tripstate.history;

import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Transition;
import io.tripstate.config.HistoryConfig;
import io.tripstate.config.PersistenceConfig;
import io.tripstate.engine.Scheduler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The history in Redis: one capped stream per breaker, {@code {keyPrefix}{name}:history}, with one entry per
 * transition (fields {@code from}, {@code to}, {@code at} in epoch seconds, {@code reason}, {@code version}),
 * expiring {@code history.ttlSeconds} after its last entry.
 *
 * <p>An append is one Lua script on the one key (XADD with {@code MAXLEN ~}, then EXPIRE), so the entry and its
 * expiry land together and the script can later run on Redis Cluster. It shares the snapshots' client, holding
 * one of its pooled connections, on which every command is pipelined in order ({@link HistoryConnection}); each
 * is bounded by {@code persistence.commandTimeoutMs}.
 */
public final class RedisTransitionHistory implements TransitionHistory {
  private static final Logger LOG = System.getLogger(RedisTransitionHistory.class.getName());
  private static final String SUFFIX = ":history";
  /**
   * Commands that may wait for Redis at once (about 300 bytes each); more fail at once and are logged. Enough for
   * bursts of thousands of transitions a second on a local Redis, small enough that a stalled Redis costs no
   * memory that grows with the transitions.
   */
  static final int MAX_IN_FLIGHT = 1_000;
  static final String APPEND_SCRIPT = String.join("\n",
      "redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'from', ARGV[2], 'to', ARGV[3], 'at', ARGV[4],",
      "  'reason', ARGV[5], 'version', ARGV[6])",
      "if tonumber(ARGV[7]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[7]) end",
      "return 1");
  private static final String APPEND_SCRIPT_SHA = sha1(APPEND_SCRIPT);

  private final String keyPrefix;
  private final String maxEntries;
  private final String ttlSeconds;
  private final HistoryConnection connection;

  /**
   * @param redis the snapshots' client (see {@code RedisSnapshotStore.client()}); one of its pooled connections is
   *     held for the history until {@link #close()}
   */
  public RedisTransitionHistory(Context owner, Redis redis, Scheduler scheduler, PersistenceConfig persistence,
      HistoryConfig config) {
    this.keyPrefix = persistence.keyPrefix();
    this.maxEntries = Integer.toString(config.maxEntries());
    this.ttlSeconds = Long.toString(config.ttlSeconds());
    // The script is loaded first on every connection, so that appends pipelined behind it find it.
    this.connection = new HistoryConnection(owner, redis, scheduler, persistence.commandTimeoutMs(),
        persistence.retryMs(), MAX_IN_FLIGHT, () -> Request.cmd(Command.SCRIPT).arg("LOAD").arg(APPEND_SCRIPT));
  }

  /** Gives the held connection back to the client's pool (before the client closes). */
  @Override
  public void close() {
    connection.close();
  }

  @Override
  public String key(String name) {
    return keyPrefix + name + SUFFIX;
  }

  @Override
  public Future<Void> append(Transition transition) {
    return send(transition).mapEmpty();
  }

  private Future<Response> send(Transition transition) {
    Future<Response> sent = connection.send(() -> script(Command.EVALSHA, APPEND_SCRIPT_SHA, args(transition)));
    // The script was loaded on this connection; only a SCRIPT FLUSH since then needs the EVAL (whose entry may
    // then land behind a later one of the same breaker: rare enough to accept).
    return sent.recover(error -> error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT")
        ? connection.send(() -> script(Command.EVAL, APPEND_SCRIPT, args(transition))) : sent);
  }

  private String[] args(Transition transition) {
    return new String[] {"1", key(transition.name()), maxEntries, transition.from().wireName(),
        transition.to().wireName(), BigDecimal.valueOf(transition.atMs(), 3).toPlainString(), transition.reason(),
        Long.toString(transition.version()), ttlSeconds};
  }

  @Override
  public Future<List<Transition>> latest(String name, int limit) {
    String key = key(name);
    return connection.send(() -> Request.cmd(Command.XREVRANGE, key, "+", "-", "COUNT", limit))
        .map(reply -> parse(name, key, reply));
  }

  private static Request script(Command command, String script, String[] args) {
    Request request = Request.cmd(command).arg(script);
    for (String arg : args) {
      request.arg(arg);
    }
    return request;
  }

  /**
   * The entries of an XREVRANGE reply, newest first (appends are pipelined on one connection, so the stream's
   * order is the transitions'); unreadable entries (written by something else) are skipped with a WARN.
   */
  private static List<Transition> parse(String name, String key, Response reply) {
    List<Transition> transitions = new ArrayList<>(reply == null ? 0 : reply.size());
    if (reply == null) {
      return transitions;
    }
    for (Response entry : reply) {
      try {
        transitions.add(transition(name, entry.get(1)));
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "Skipped unreadable history entry {0} at Redis key ''{1}'': {2}",
            entry.get(0), key, e.getMessage());
      }
    }
    return transitions;
  }

  private static Transition transition(String name, Response fields) {
    String from = null;
    String to = null;
    String at = null;
    String reason = null;
    String version = null;
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      String value = fields.get(i + 1).toString();
      switch (fields.get(i).toString()) {
        case "from" -> from = value;
        case "to" -> to = value;
        case "at" -> at = value;
        case "reason" -> reason = value;
        case "version" -> version = value;
        default -> { } // a field added by a later version: not ours to judge
      }
    }
    if (at == null || reason == null || version == null) {
      throw new IllegalArgumentException("fields 'at', 'reason' and 'version' are required");
    }
    return new Transition(name, BreakerState.fromWire(from), BreakerState.fromWire(to),
        new BigDecimal(at).movePointRight(3).longValueExact(), reason, Long.parseLong(version));
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by every Java platform", e);
    }
  }
}
