package io.tripstate.history;

import io.tripstate.engine.Scheduler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One connection of the shared Redis client, held for the history, with its commands pipelined on it.
 *
 * <ul>
 *   <li>Redis runs the commands of one connection in the order they were sent, so a breaker's appends keep
 *       the order of its transitions without waiting for each other (over several pooled connections, two
 *       appends sent at once may land in either order).
 *   <li>The history takes one connection of the pool, never more, even when Redis stalls: at most
 *       {@code maxInFlight} commands wait for Redis, counting those that timed out here (a command that timed
 *       out is not cancelled: it stays in the pipeline); beyond that a command fails at once.
 *   <li>A connection that broke is replaced on the next command, by at most one attempt at a time and one per
 *       {@code retryMs}; meanwhile commands fail at once.
 * </ul>
 * Every command is bounded by {@code timeoutMs}. Confined to the owner's context; results are handed back there.
 */
final class HistoryConnection {
  /** A command refused here; expected by the thousand while Redis is away, so it carries no stack trace. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private static final Future<Response> CLOSED = Future.failedFuture(new Refused("the history is closed"));

  private final Context owner;
  private final Redis redis;
  private final Scheduler scheduler;
  private final long timeoutMs;
  private final long retryMs;
  private final int maxInFlight;
  private final Supplier<Request> prepare;
  private final Future<Response> busy;
  /** The connection, or the attempt to get one; {@code null} when there is none. */
  private Future<RedisConnection> connection;
  private boolean connecting;
  private long nextAttemptNanos;
  private boolean attempted;
  private String lastError = "not connected yet";
  private int inFlight;
  private boolean closed;

  /** @param prepare the first command on every new connection (e.g. a SCRIPT LOAD), or {@code null} */
  HistoryConnection(Context owner, Redis redis, Scheduler scheduler, long timeoutMs, long retryMs, int maxInFlight,
      Supplier<Request> prepare) {
    this.owner = owner;
    this.prepare = prepare;
    this.redis = redis;
    this.scheduler = scheduler;
    this.timeoutMs = timeoutMs;
    this.retryMs = retryMs;
    this.maxInFlight = maxInFlight;
    this.busy = Future.failedFuture(new Refused("Redis is slow: " + maxInFlight
        + " history commands already wait for it"));
  }

  /**
   * Sends one command after those sent before it, or fails at once when it cannot be sent now; the command is
   * built only when it is sent, so that a refusal (by the thousand while Redis stalls) costs next to nothing.
   */
  Future<Response> send(Supplier<Request> command) {
    if (closed) {
      return CLOSED;
    }
    if (inFlight >= maxInFlight) {
      return busy;
    }
    Future<RedisConnection> current = connection();
    if (current == null) {
      return Future.failedFuture(new Refused("no connection to Redis (" + lastError + ")"));
    }
    Request request = command.get();
    inFlight++;
    Future<Response> sent = current.compose(conn -> conn.send(request));
    onOwner(sent, () -> inFlight--);
    Future<Response> bounded = sent.timeout(timeoutMs, TimeUnit.MILLISECONDS);
    return handBack(bounded);
  }

  /** Commands sent and not yet answered by Redis (including those that timed out here). */
  int inFlight() {
    return inFlight;
  }

  /** Returns the connection to the pool; later commands fail. */
  void close() {
    closed = true;
    if (connection != null) {
      connection.onSuccess(RedisConnection::close);
      connection = null;
    }
  }

  private Future<RedisConnection> connection() {
    if (connection != null || connecting) {
      return connection;
    }
    long now = scheduler.nanoTime();
    if (attempted && now - nextAttemptNanos < 0) {
      return null;
    }
    attempted = true;
    nextAttemptNanos = now + TimeUnit.MILLISECONDS.toNanos(retryMs);
    connecting = true;
    Future<RedisConnection> raw = redis.connect().compose(conn -> prepare == null ? Future.succeededFuture(conn)
        : conn.send(prepare.get()).map(conn).recover(e -> {
          conn.close();
          return Future.failedFuture(e);
        }));
    Future<RedisConnection> bounded = raw.timeout(timeoutMs, TimeUnit.MILLISECONDS);
    connection = bounded;
    onOwner(bounded, () -> {
      if (bounded.failed() && connection == bounded) {
        connection = null;
        lastError = bounded.cause().toString();
      }
    });
    // A late connection (its attempt timed out here) is given back; an attempt is never repeated while one is
    // still pending, so a stalled Redis holds at most one pooled connection for the history.
    onOwner(raw, () -> {
      connecting = false;
      if (raw.failed()) {
        return;
      }
      RedisConnection conn = raw.result();
      if (closed || connection != bounded) {
        conn.close();
        return;
      }
      conn.exceptionHandler(e -> onOwner(Future.succeededFuture(), () -> broken(bounded, conn, e.toString())));
      conn.endHandler(v -> onOwner(Future.succeededFuture(), () -> broken(bounded, conn, "connection closed")));
    });
    return bounded;
  }

  private void broken(Future<RedisConnection> which, RedisConnection conn, String why) {
    if (connection == which) {
      connection = null;
      lastError = why;
      conn.close();
    }
  }

  private <T> Future<T> handBack(Future<T> result) {
    io.vertx.core.Promise<T> onOwnerContext = io.vertx.core.Promise.promise();
    onOwner(result, () -> onOwnerContext.handle(result));
    return onOwnerContext.future();
  }

  /** The client may complete on another context; this connection's state lives on the owner's. */
  private void onOwner(Future<?> future, Runnable action) {
    future.onComplete(ignored -> {
      if (Vertx.currentContext() == owner) {
        action.run();
      } else {
        owner.runOnContext(v -> action.run());
      }
    });
  }
}
