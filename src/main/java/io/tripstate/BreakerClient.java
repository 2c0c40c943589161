package io.tripstate;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Outcome;
import io.tripstate.config.TripstateConfig;
import io.tripstate.fastpath.LocalView;
import io.tripstate.fastpath.OutcomeQueue;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * A typed client of the {@link BreakerVerticle}'s event-bus API. Failures of the API arrive as
 * {@code ReplyException}s with the API's codes (400, 404, 409, 429; 503 and 504 from {@code call}).
 *
 * <pre>{@code
 * BreakerClient breakers = BreakerClient.create(vertx);
 * breakers.execute("payments", () -> webClient.get("/pay").send())
 *     .onFailure(e -> { if (e instanceof CallNotPermittedException) ... });
 * }</pre>
 */
public final class BreakerClient {
  private static final Logger LOG = System.getLogger(BreakerClient.class.getName());
  /** How much longer than the verticle {@link #call} waits: a busy event loop or a cluster hop, not the call. */
  private static final long CALL_REPLY_MARGIN_MS = 5_000;

  private final Vertx vertx;
  private final String address;
  private final DeliveryOptions delivery;

  private final boolean fastPath;
  private final LocalMap<String, LocalView> views;
  private volatile LocalView view;

  private BreakerClient(Vertx vertx, String address, DeliveryOptions delivery, boolean fastPath) {
    this.vertx = vertx;
    this.address = address;
    this.delivery = delivery;
    this.fastPath = fastPath;
    this.views = fastPath ? LocalView.views(vertx) : null;
  }

  /**
   * This client without the in-process fast path: every call goes over the event bus, as it does anyway
   * when the verticle runs in another Vert.x instance (a cluster).
   */
  public BreakerClient withoutFastPath() {
    return new BreakerClient(vertx, address, delivery, false);
  }

  /** A client of the verticle on the default address ({@code tripstate}). */
  public static BreakerClient create(Vertx vertx) {
    return create(vertx, TripstateConfig.DEFAULT_ADDRESS);
  }

  public static BreakerClient create(Vertx vertx, String address) {
    return create(vertx, address, new DeliveryOptions());
  }

  /** A client with its own delivery options (e.g. a send timeout); the {@code action} header is set per call. */
  public static BreakerClient create(Vertx vertx, String address, DeliveryOptions delivery) {
    return new BreakerClient(vertx, address, delivery, true);
  }

  /**
   * Asks for a permit (see {@link AcquireResult#retryAfterMs()} for the wait of a rejection). When the verticle
   * runs in this Vert.x instance, a closed breaker permits and an open
   * one whose time is not up rejects right here, from the view the verticle publishes (updated before the
   * verticle answers the request that caused a transition); everything else asks the verticle.
   */
  public Future<AcquireResult> acquire(String name) {
    AcquireResult local = decideLocally(name);
    return local != null ? Future.succeededFuture(local) : acquireFromVerticle(name);
  }

  private Future<AcquireResult> acquireFromVerticle(String name) {
    return request("acquire", new JsonObject().put("name", name)).map(AcquireResult::fromJson);
  }

  private AcquireResult decideLocally(String name) {
    LocalView local = view();
    LocalView.Entry entry = local == null ? null : local.get(name);
    if (entry == null) {
      return null;
    }
    if (entry.state() == BreakerState.CLOSED) {
      entry.decisions().permitted(1);
      return new AcquireResult(name, true, "closed", Breaker.UNTRACKED_PERMIT_TEXT, null);
    }
    long wait = local.rejectingForMs(entry);
    if (wait <= 0) {
      return null;
    }
    entry.decisions().notPermitted();
    return new AcquireResult(name, false, "open", null, wait);
  }

  private LocalView view() {
    if (!fastPath) {
      return null;
    }
    LocalView current = view;
    if (current == null || !current.isOpen()) {
      current = LocalView.find(views, address);
      view = current;
    }
    return current;
  }

  /**
   * Records an outcome; resolves to the breaker's state after it.
   *
   * @param permit the permit from {@link #acquire(String)}, or {@code null}
   * @param durationMs how long the call took, or {@code null}
   */
  public Future<String> record(String name, Outcome outcome, String permit, Long durationMs) {
    JsonObject body = new JsonObject().put("name", name).put("outcome", outcome.wireName());
    if (permit != null) {
      body.put("permit", permit);
    }
    if (durationMs != null) {
      body.put("duration_ms", durationMs);
    }
    return request("record", body).map(reply -> reply.getString("state"));
  }

  /**
   * The snapshot of one breaker (fails with code 404 when unknown). While {@code open} or {@code forced_open}
   * it carries {@code retry_after_ms}: milliseconds until a call may be permitted (0: the next call may be a
   * trial), or {@code null} for a breaker forced open without an end, which only a reset ends.
   */
  public Future<JsonObject> status(String name) {
    return request("status", new JsonObject().put("name", name));
  }

  /** {@code {"breakers": [...], "persistence": {...}}}. */
  public Future<JsonObject> statusAll() {
    return request("status", new JsonObject());
  }

  /** Closes a breaker; resolves to its snapshot after the reset (fails with 404 when unknown). */
  public Future<JsonObject> reset(String name) {
    return request("reset", new JsonObject().put("name", name));
  }

  /**
   * Forces a breaker open (creating it when new): it rejects everything until {@link #reset(String)}, or
   * until {@code durationMs} elapsed when given (then it goes half-open). Resolves to its snapshot.
   */
  public Future<JsonObject> forceOpen(String name, Long durationMs) {
    JsonObject body = new JsonObject().put("name", name);
    if (durationMs != null) {
      body.put("duration_ms", durationMs);
    }
    return request("force_open", body);
  }

  /** Disables a breaker (creating it when new): it permits everything and counts nothing until reset. */
  public Future<JsonObject> disable(String name) {
    return request("disable", new JsonObject().put("name", name));
  }

  /**
   * Sends {@code body} to {@code address} under the breaker and resolves to the target's reply (body and
   * headers). Fails with a {@code ReplyException}: 503 when the breaker rejects the call or no handler
   * listens, 504 when the target does not reply within {@code timeoutMs} (or the breaker's
   * {@code callTimeoutMs}), or the target's own failure code.
   *
   * <p>The verticle answers every call within its timeout, so the caller always hears how the call ended (and
   * what the breaker counted). This client must therefore never give up first, yet it does not know the
   * breaker's {@code callTimeoutMs}: it waits for the given timeout, or the largest one a breaker may have
   * ({@link BreakerSettings#MAX_CALL_TIMEOUT_MS}), plus 5 s, and never less than its own delivery options'
   * send timeout. That wait is only a guard against a verticle that is gone.
   *
   * @param timeoutMs the call's timeout, ms; {@code null} for the breaker's {@code callTimeoutMs}
   * @param headers sent to the target with the body; may be {@code null}
   */
  public Future<Message<Object>> call(String name, String address, Object body, Long timeoutMs,
      MultiMap headers) {
    JsonObject request = new JsonObject().put("name", name).put("address", address).put("body", body);
    if (timeoutMs != null) {
      request.put("timeout_ms", timeoutMs);
    }
    DeliveryOptions options = new DeliveryOptions(delivery).addHeader("action", "call");
    if (headers != null) {
      headers.forEach(options::addHeader);
    }
    options.setSendTimeout(callSendTimeoutMs(timeoutMs, delivery.getSendTimeout()));
    return vertx.eventBus().request(this.address, request, options).recover(this::explainNoOwner);
  }

  /**
   * A breaker's latest transitions, newest first: {@code {"name", "history": [{"from", "to", "at", "reason",
   * "version"}, ...]}}. Fails with 404 for an unknown name, 503 when the history cannot be read.
   *
   * @param limit how many at most, 1 to 1000; {@code null} for 100
   */
  public Future<JsonObject> history(String name, Integer limit) {
    JsonObject body = new JsonObject().put("name", name);
    if (limit != null) {
      body.put("limit", limit);
    }
    return request("history", body);
  }

  /** {@code {"status": "UP", "persistence": "UP" | "DOWN" | "DISABLED"}} (an addition to the four actions). */
  public Future<JsonObject> health() {
    return request("health", new JsonObject());
  }

  /**
   * Runs a call under a breaker: acquires a permit, runs the call, records its outcome and duration.
   * When not permitted the call is not run and the future fails with {@link CallNotPermittedException}.
   * The result is the call's own, as soon as it completes; the outcome is recorded behind it (in order,
   * since the event bus keeps a sender's order).
   *
   * <p>On the fast path (verticle in this Vert.x instance, breaker closed) nothing crosses the event bus: the
   * call runs at once and its outcome goes back through the view's queue, taken by the verticle within about
   * a millisecond. While that queue is full the call goes through the verticle instead, which slows a caller
   * that produces outcomes faster than the verticle takes them.
   */
  public <T> Future<T> execute(String name, Supplier<Future<T>> call) {
    LocalView local = view();
    LocalView.Entry entry = local == null ? null : local.get(name);
    if (entry != null) {
      if (entry.state() == BreakerState.CLOSED && local.outcomes().hasRoom()) {
        return runLocally(local.outcomes(), name, entry, call); // counted as permitted when its outcome is drained
      }
      long wait = local.rejectingForMs(entry);
      if (wait > 0) {
        entry.decisions().notPermitted();
        return Future.failedFuture(new CallNotPermittedException(name, "open", wait));
      }
    }
    return acquireFromVerticle(name).compose(permit -> {
      if (!permit.permitted()) {
        return Future.failedFuture(permit.rejection());
      }
      long started = System.nanoTime();
      return invoke(call).andThen(outcome ->
          recordOverBus(name, outcome.succeeded(), permit.permit(), elapsedMs(started)));
    });
  }

  /**
   * The fast path: no future of our own when the call completed at once, no message per outcome, and no clock
   * read unless the breaker's policy looks at durations (the default consecutive window does not). Only
   * whether a call was slow matters, so a call under {@code slowCallMs} is recorded without a duration: the
   * outcome queue then counts a run of them in one slot.
   */
  private <T> Future<T> runLocally(OutcomeQueue outcomes, String name, LocalView.Entry entry,
      Supplier<Future<T>> call) {
    long slowCallMs = entry.slowCallMs();
    long started = slowCallMs > 0 ? System.nanoTime() : 0;
    Future<T> result = invoke(call);
    if (result.isComplete()) {
      recordLocally(outcomes, name, entry, result.succeeded(), slowDurationMs(started, slowCallMs));
      return result;
    }
    return result.onComplete(outcome ->
        recordLocally(outcomes, name, entry, outcome.succeeded(), slowDurationMs(started, slowCallMs)));
  }

  /** The call's duration when it was slow; 0 when it was not, or when durations do not matter. */
  private static long slowDurationMs(long startedNanos, long slowCallMs) {
    if (slowCallMs <= 0) {
      return 0;
    }
    long durationMs = elapsedMs(startedNanos);
    return durationMs >= slowCallMs ? durationMs : 0;
  }

  private void recordLocally(OutcomeQueue outcomes, String name, LocalView.Entry entry, boolean succeeded,
      long durationMs) {
    if (!outcomes.offer(name, succeeded ? Outcome.SUCCESS : Outcome.FAILURE, durationMs)) {
      // Filled up meanwhile: never drop an outcome. The owner cannot tell this one from the fast path's.
      entry.decisions().permitted(1);
      recordOverBus(name, succeeded, Breaker.UNTRACKED_PERMIT_TEXT, durationMs);
    }
  }

  private void recordOverBus(String name, boolean succeeded, String permit, long durationMs) {
    Outcome recorded = succeeded ? Outcome.SUCCESS : Outcome.FAILURE;
    record(name, recorded, permit, durationMs).onFailure(e -> LOG.log(
        conflict(e) ? Level.DEBUG : Level.WARNING, "Breaker ''{0}'': recording a {1} failed: {2}", name,
        recorded.wireName(), e.toString()));
  }

  private static <T> Future<T> invoke(Supplier<Future<T>> call) {
    Future<T> result;
    try {
      result = call.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return result != null ? result : Future.failedFuture(new NullPointerException("the call returned no Future"));
  }

  private static long elapsedMs(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1_000_000;
  }

  /**
   * How long {@link #call} waits for the verticle: longer than the verticle can wait for the target, by
   * {@link #CALL_REPLY_MARGIN_MS} (time for the request to reach the verticle and the answer to come back).
   * Without a {@code timeoutMs} the breaker's {@code callTimeoutMs} applies, which only the verticle knows, so
   * the bound is the largest it may be ({@link BreakerSettings#MAX_CALL_TIMEOUT_MS}): sizing it from the
   * default instead made the client time out first for breakers configured with longer timeouts, and the
   * verticle then recorded an outcome that nobody heard of.
   */
  private static long callSendTimeoutMs(Long timeoutMs, long deliverySendTimeoutMs) {
    long verticleWaitsMs = timeoutMs != null ? timeoutMs : BreakerSettings.MAX_CALL_TIMEOUT_MS;
    return Math.max(deliverySendTimeoutMs, verticleWaitsMs + CALL_REPLY_MARGIN_MS);
  }

  /** A 409: the trial expired before its outcome arrived, so the breaker already counted it as failed. */
  private static boolean conflict(Throwable e) {
    return e instanceof ReplyException reply && reply.failureCode() == 409;
  }

  private Future<JsonObject> request(String action, JsonObject body) {
    DeliveryOptions options = new DeliveryOptions(delivery).addHeader("action", action);
    return vertx.eventBus().<JsonObject>request(address, body, options).map(Message::body)
        .recover(this::explainNoOwner);
  }

  /**
   * No handler at the address: in node scope the API is served only to requests sent from the node whose
   * verticle owns the breakers, so say which ways out there are instead of a bare NO_HANDLERS.
   */
  private <T> Future<T> explainNoOwner(Throwable error) {
    if (error instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return Future.failedFuture(new ReplyException(ReplyFailure.NO_HANDLERS, -1, "no BreakerVerticle serves"
          + " event-bus address '" + address + "' for this node: deploy one on this node (each node owns its"
          + " breakers, cluster.scope \"node\", the default), or deploy one with cluster.scope \"cluster\" somewhere"
          + " in the cluster to serve every node"));
    }
    return Future.failedFuture(error);
  }
}
