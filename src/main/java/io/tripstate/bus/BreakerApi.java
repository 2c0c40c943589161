package io.tripstate.bus;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.PermitRejectedException;
import io.tripstate.breaker.Transition;
import io.tripstate.engine.Applied;
import io.tripstate.engine.BreakerEngine;
import io.tripstate.engine.Recorded;
import io.tripstate.history.TransitionHistory;
import io.tripstate.sharing.Sharing;
import io.tripstate.sharing.TrialGate;
import io.tripstate.store.Persistence;
import io.tripstate.store.SnapshotCodec;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The event-bus API: one consumer, the action in the {@code action} header, a JSON object body, failures
 * as {@code ReplyException} codes from {@link ApiError}. Every request is answered; nothing throws out of
 * the handler. Every change goes through the {@link BreakerEngine}, whose operations return the transitions
 * they caused: with {@code ackAfterWrite}, a reply waits for exactly those to be written. Runs on the
 * verticle's event loop, which confines the engine: no locks needed.
 */
public final class BreakerApi {
  private static final Logger LOG = System.getLogger(BreakerApi.class.getName());
  /** Not in the original contract: a light health check for the HTTP route (no breaker list). */
  static final String HEALTH_ACTION = "health";
  private static final String WRITTEN = "written";
  private static final String PENDING = "pending";

  private final EventBus eventBus;
  private final String address;
  private final BreakerEngine engine;
  private final Persistence persistence;
  private final boolean ackAfterWrite;
  private final long maxRequestBytes;
  private final CallAction calls;
  private HistoryAction history;
  private Sharing sharing;
  private TrialGate gate;
  private MessageConsumer<Object> consumer;

  /**
   * @param ackAfterWrite whether a reply to a request that caused transitions waits until they are written
   *     (persistence on and {@code persistence.ackAfterWrite})
   */
  public BreakerApi(EventBus eventBus, String address, BreakerEngine engine, Persistence persistence,
      boolean ackAfterWrite, long maxRequestBytes) {
    this.eventBus = eventBus;
    this.address = address;
    this.engine = engine;
    this.persistence = persistence;
    this.ackAfterWrite = ackAfterWrite;
    this.maxRequestBytes = maxRequestBytes;
    this.calls = new CallAction(eventBus, engine);
    this.history = new HistoryAction(engine.registry(), TransitionHistory.NONE);
  }

  /** Answers the {@code history} action from {@code history} (without it, every history is empty). */
  public void serveHistory(TransitionHistory transitions) {
    this.history = new HistoryAction(engine.registry(), transitions);
  }

  /**
   * Reports sharing across instances: a {@code sharing} section in {@code status} and {@code health}, the
   * {@code shared} field of snapshots, and the {@code instances} action. Without it {@code instances} answers 503.
   */
  public void serveSharing(Sharing instanceSharing) {
    this.sharing = instanceSharing;
  }

  /**
   * Grants trials of shared breakers through {@code gate} (the trial lease across instances), in {@code acquire}
   * and {@code call}; {@code null} (the default, sharing off) keeps every acquire synchronous.
   */
  public void useTrialGate(TrialGate gate) {
    this.gate = gate;
    calls.useTrialGate(gate);
  }

  /**
   * Registers the consumer; completes when registered.
   *
   * @param clusterWide whether requests from every node of a clustered Vert.x reach this consumer (the one
   *     cluster-scoped owner) or only those sent from this node (node scope)
   */
  public Future<Void> listen(boolean clusterWide) {
    if (clusterWide) {
      consumer = eventBus.consumer(address, this::handle);
      return consumer.completion();
    }
    // Node-scoped: in a clustered Vert.x every node that deploys a verticle owns its breakers, and a request
    // is answered by the owner of the node it was sent from (a cluster-wide consumer would be round-robined
    // between independent owners, each seeing half the calls).
    consumer = eventBus.localConsumer(address, this::handle);
    return consumer.completion();
  }

  /** First step of a stop: takes no more requests (senders get NO_HANDLERS); calls in flight go on. */
  public Future<Void> stopListening() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Completes when every {@code call} in flight has ended (answered or timed out) and been recorded. */
  public Future<Void> callsFinished() {
    return calls.finished();
  }

  void handle(Message<Object> message) {
    try {
      dispatch(message);
    } catch (RuntimeException e) {
      fail(message, e);
    }
  }

  /** Answers a request that failed with the error code of its exception. */
  private void fail(Message<Object> message, Throwable error) {
    if (error instanceof ApiException e) {
      message.fail(e.error().code(), e.getMessage());
    } else if (error instanceof PermitRejectedException) {
      message.fail(ApiError.CONFLICT.code(), error.getMessage());
    } else if (error instanceof BreakerRegistry.LimitExceededException) {
      message.fail(ApiError.TOO_MANY_BREAKERS.code(), error.getMessage());
    } else {
      LOG.log(Level.ERROR, "Request on ''" + address + "'' failed unexpectedly", error);
      message.fail(ApiError.INTERNAL.code(), "internal error: " + error);
    }
  }

  /** Handles one request and answers it (the {@code call} action answers when its target did). */
  private void dispatch(Message<Object> message) {
    String actionHeader = message.headers().get(Action.HEADER);
    if (HEALTH_ACTION.equals(actionHeader)) {
      JsonObject health = new JsonObject().put("status", "UP").put("persistence", persistence.health());
      if (sharing != null) {
        health.put("sharing", new JsonObject().put("enabled", sharing.status().getBoolean("enabled"))
            .put("connected", sharing.connected()).put("instance", sharing.instanceId()));
      }
      message.reply(health);
      return;
    }
    Action action = Action.parse(actionHeader);
    JsonObject body = Requests.body(message.body(), maxRequestBytes);
    switch (action) {
      case ACQUIRE: {
        String name = Requests.name(body);
        if (gate != null && gate.needsLease(name)) {
          // A trial of a shared breaker: the one decision that waits on Redis (the lease), bounded by its timeout.
          gate.acquire(name).onComplete(result -> {
            try {
              if (result.failed()) {
                fail(message, result.cause());
                return;
              }
              answer(message, acquired(name, result.result()), result.result().transitions());
            } catch (RuntimeException e) {
              fail(message, e);
            }
          });
          return;
        }
        Decision decision = engine.acquire(name);
        answer(message, acquired(name, decision), decision.transitions());
        return;
      }
      case RECORD: {
        String name = Requests.name(body);
        Long permit = Requests.permit(body, engine.permits());
        Double durationMs = Requests.durationMs(body);
        Recorded recorded = engine.record(name, Requests.outcome(body), permit, durationMs);
        answer(message, new JsonObject().put("name", name).put("state", recorded.state().wireName()),
            recorded.transitions());
        return;
      }
      case STATUS:
        if (body.containsKey("name")) {
          String name = Requests.name(body);
          answerSnapshot(message, existing(name, engine.status(name)));
        } else {
          List<Transition> transitions = engine.advance();
          answer(message, statusAll(), transitions);
        }
        return;
      case RESET: {
        String name = Requests.name(body);
        answerSnapshot(message, existing(name, engine.reset(name)));
        return;
      }
      case FORCE_OPEN:
        answerSnapshot(message, engine.forceOpen(Requests.name(body), Requests.positiveMillis(body, "duration_ms")));
        return;
      case DISABLE:
        answerSnapshot(message, engine.disable(Requests.name(body)));
        return;
      case CALL:
        calls.handle(message, body);
        return;
      case RECORD_BATCH:
        recordBatch(message, body);
        return;
      case HISTORY:
        history.handle(message, body);
        return;
      case INSTANCES:
        if (sharing == null) {
          throw new ApiException(ApiError.UNAVAILABLE, "instances are known through Redis, and persistence is "
              + "disabled here");
        }
        sharing.instances().onComplete(result -> {
          if (result.succeeded()) {
            message.reply(result.result());
          } else {
            message.fail(ApiError.UNAVAILABLE.code(), "Redis did not answer: " + result.cause().getMessage());
          }
        });
        return;
      default:
        throw new IllegalStateException("unhandled action " + action);
    }
  }

  /**
   * Replies; with {@code ackAfterWrite} and transitions to wait for, once Redis confirmed them (bounded by
   * {@code commandTimeoutMs}), with {@code "snapshot"} saying what became of the write.
   */
  private void answer(Message<Object> message, JsonObject reply, List<Transition> transitions) {
    if (!ackAfterWrite || transitions.isEmpty()) {
      message.reply(reply);
      return;
    }
    written(transitions).onComplete(result ->
        message.reply(reply.put("snapshot", result.succeeded() ? result.result() : PENDING)));
  }

  private void answerSnapshot(Message<Object> message, Applied applied) {
    answer(message, snapshot(applied.breaker(), engine.scheduler().nowMs()), applied.transitions());
  }

  /** What became of the writes of these transitions: {@code written} when all were, else the first other answer. */
  private Future<String> written(List<Transition> transitions) {
    if (transitions.size() == 1) {
      return persistence.whenWritten(transitions.get(0));
    }
    // A breaker's last transition is written with (or after) its earlier ones: wait for that one.
    Map<String, Transition> last = new LinkedHashMap<>();
    transitions.forEach(transition -> last.put(transition.name(), transition));
    List<Future<String>> writes = last.values().stream().map(persistence::whenWritten).toList();
    return Future.join(writes).transform(done -> Future.succeededFuture(writes.stream()
        .map(write -> write.succeeded() ? write.result() : PENDING)
        .filter(answer -> !WRITTEN.equals(answer)).findFirst().orElse(WRITTEN)));
  }

  /** Many outcomes in one message: each counted or refused on its own. */
  private void recordBatch(Message<Object> message, JsonObject body) {
    Object records = body.getValue("records");
    if (!(records instanceof JsonArray list)) {
      throw new ApiException(ApiError.BAD_REQUEST, "'records' must be an array of record bodies");
    }
    int recorded = 0;
    int refused = 0;
    List<Transition> transitions = List.of();
    for (Object item : list) {
      try {
        JsonObject record = Requests.body(item);
        String name = Requests.name(record);
        Recorded result = engine.record(name, Requests.outcome(record), Requests.permit(record, engine.permits()),
            Requests.durationMs(record));
        if (!result.transitions().isEmpty()) {
          transitions = transitions.isEmpty() ? new ArrayList<>() : transitions;
          transitions.addAll(result.transitions());
        }
        recorded++;
      } catch (ApiException | PermitRejectedException | BreakerRegistry.LimitExceededException e) {
        refused++;
        LOG.log(Level.DEBUG, "A batched outcome was refused: {0}", e.getMessage());
      }
    }
    answer(message, new JsonObject().put("recorded", recorded).put("refused", refused), transitions);
  }

  private JsonObject acquired(String name, Decision decision) {
    JsonObject reply = new JsonObject()
        .put("name", name)
        .put("permitted", decision.permitted())
        .put("state", decision.state().wireName());
    // Closed and disabled hand out the same permit, whose text is a constant: nothing made per acquire.
    return decision.permitted()
        ? reply.put("permit", engine.permits().text(decision.permit()))
        : reply.put("retry_after_ms", decision.state() == BreakerState.FORCED_OPEN
            ? retryAfterMs(engine.registry().get(name), engine.scheduler().nowMs()) : (Long) decision.retryAfterMs());
  }

  /**
   * {@code retry_after_ms} of a rejecting breaker: milliseconds until a call may be permitted, 0 when the next
   * call may be a trial, {@code null} while it is forced open without an end (only a reset ends that).
   */
  static Long retryAfterMs(Breaker breaker, long now) {
    boolean untilReset = breaker.state() == BreakerState.FORCED_OPEN && breaker.snapshot().forcedUntilMs() == null;
    return untilReset ? null : breaker.retryAfterMs(now);
  }

  private static Applied existing(String name, Applied applied) {
    if (applied.breaker() == null) {
      throw new ApiException(ApiError.NOT_FOUND, "no breaker named '" + name + "'");
    }
    return applied;
  }

  private JsonObject statusAll() {
    long now = engine.scheduler().nowMs();
    List<Breaker> breakers = new ArrayList<>(engine.all());
    breakers.sort(Comparator.comparing(Breaker::name));
    JsonArray list = new JsonArray(new ArrayList<>(breakers.size()));
    for (Breaker breaker : breakers) {
      list.add(snapshot(breaker, now));
    }
    JsonObject status = new JsonObject().put("breakers", list).put("persistence", persistence.status());
    if (sharing != null) {
      status.put("sharing", sharing.status());
    }
    return status;
  }

  /**
   * A snapshot with live fields (not persisted): {@code failure_rate} and {@code slow_call_rate} (percent, -1
   * until the window holds {@code minimumCalls}, always -1 for a consecutive window), and {@code retry_after_ms}
   * while open or forced open (see {@link #retryAfterMs}; {@code null} while forced open without an end).
   */
  private JsonObject snapshot(Breaker breaker, long now) {
    JsonObject json = SnapshotCodec.toJson(breaker.snapshot())
        .put("shared", sharing != null && sharing.sharedHere(breaker.name()))
        .put("failure_rate", breaker.failureRate(now))
        .put("slow_call_rate", breaker.slowCallRate(now));
    if (breaker.state() == BreakerState.OPEN || breaker.state() == BreakerState.FORCED_OPEN) {
      json.put("retry_after_ms", retryAfterMs(breaker, now));
    }
    return json;
  }
}
