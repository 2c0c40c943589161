package io.tripstate.bus;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.PermitRejectedException;
import io.tripstate.breaker.Transition;
import io.tripstate.store.Persistence;
import io.tripstate.store.SnapshotCodec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The event-bus API: one consumer, the action in the {@code action} header, a JSON object body, failures
 * as {@code ReplyException} codes from {@link ApiError}. Every request is answered; nothing throws out of
 * the handler. Runs on the verticle's event loop, which confines the registry: no locks needed.
 */
public final class BreakerApi {
  private static final Logger LOG = System.getLogger(BreakerApi.class.getName());
  /** Not in the original contract: a light health check for the HTTP route (no breaker list). */
  static final String HEALTH_ACTION = "health";

  private final EventBus eventBus;
  private final String address;
  private final BreakerRegistry registry;
  private final Persistence persistence;
  private final Clock clock;
  private final long maxRequestBytes;
  private final DeadlineTimer deadlines;
  private final CallAction calls;
  private MessageConsumer<Object> consumer;
  /** The transition the request being handled caused, for ackAfterWrite; set by {@link #dispatch}. */
  private Transition toAcknowledge;

  public BreakerApi(Vertx vertx, EventBus eventBus, String address, BreakerRegistry registry, Persistence persistence,
      Clock clock, long maxRequestBytes) {
    this.maxRequestBytes = maxRequestBytes;
    this.eventBus = eventBus;
    this.address = address;
    this.registry = registry;
    this.persistence = persistence;
    this.clock = clock;
    this.deadlines = new DeadlineTimer(vertx, registry, clock);
    this.calls = new CallAction(eventBus, registry, clock, deadlines::rearm);
  }

  /** Registers the consumer and arms the timer of restored deadlines; completes when registered. */
  public Future<Void> listen() {
    deadlines.rearm();
    consumer = eventBus.consumer(address, this::handle);
    return consumer.completion();
  }

  /** Re-arms the deadline timer after the registry changed outside a request (a late restore). */
  public void rearmDeadlines() {
    deadlines.rearm();
  }

  public Future<Void> close() {
    deadlines.close();
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  void handle(Message<Object> message) {
    try {
      toAcknowledge = null;
      JsonObject reply = dispatch(message);
      Transition transition = persistence.acknowledgesWrites() ? toAcknowledge : null;
      if (reply != null && transition != null) {
        // ackAfterWrite: the reply waits for Redis, bounded by commandTimeoutMs.
        persistence.whenWritten(transition).onComplete(result ->
            message.reply(reply.put("snapshot", result.succeeded() ? result.result() : "pending")));
      } else if (reply != null) {
        message.reply(reply);
      }
    } catch (ApiException e) {
      message.fail(e.error().code(), e.getMessage());
    } catch (PermitRejectedException e) {
      message.fail(ApiError.CONFLICT.code(), e.getMessage());
    } catch (BreakerRegistry.LimitExceededException e) {
      message.fail(ApiError.TOO_MANY_BREAKERS.code(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "Request on ''" + address + "'' failed unexpectedly", e);
      message.fail(ApiError.INTERNAL.code(), "internal error: " + e);
    } finally {
      deadlines.rearm();
    }
  }

  /** Handles one request; returns the reply, or {@code null} when the action replies by itself. */
  private JsonObject dispatch(Message<Object> message) {
    String actionHeader = message.headers().get(Action.HEADER);
    if (HEALTH_ACTION.equals(actionHeader)) {
      return new JsonObject().put("status", "UP").put("persistence", persistence.health());
    }
    Action action = Action.parse(actionHeader);
    JsonObject body = Requests.body(message.body(), maxRequestBytes);
    long now = clock.millis();
    switch (action) {
      case ACQUIRE:
        return acquire(Requests.name(body), now);
      case RECORD: {
        String name = Requests.name(body);
        Long permit = Requests.permit(body);
        Double durationMs = Requests.durationMs(body);
        Breaker before = registry.get(name);
        Transition last = before == null ? null : before.lastTransition();
        Breaker breaker = registry.record(name, Requests.outcome(body), permit, durationMs, now);
        if (breaker.lastTransition() != last) {
          toAcknowledge = breaker.lastTransition();
        }
        return new JsonObject().put("name", name).put("state", breaker.state().wireName());
      }
      case STATUS:
        if (body.containsKey("name")) {
          return snapshot(existing(Requests.name(body), now), now);
        }
        registry.advance(now);
        return statusAll(now);
      case RESET: {
        String name = Requests.name(body);
        existing(name, now);
        return acknowledged(registry.reset(name, now), now);
      }
      case FORCE_OPEN: {
        String name = Requests.name(body);
        return acknowledged(registry.forceOpen(name, Requests.positiveMillis(body, "duration_ms"), now), now);
      }
      case DISABLE:
        return acknowledged(registry.disable(Requests.name(body), now), now);
      case CALL:
        calls.handle(message, body);
        return null;
      case RECORD_BATCH:
        return recordBatch(body, now);
      default:
        throw new IllegalStateException("unhandled action " + action);
    }
  }

  /** Outcomes sent without waiting (the fast path): each counted or refused on its own. */
  private JsonObject recordBatch(JsonObject body, long now) {
    Object records = body.getValue("records");
    if (!(records instanceof JsonArray list)) {
      throw new ApiException(ApiError.BAD_REQUEST, "'records' must be an array of record bodies");
    }
    int recorded = 0;
    int refused = 0;
    for (Object item : list) {
      try {
        JsonObject record = Requests.body(item);
        String name = Requests.name(record);
        registry.record(name, Requests.outcome(record), Requests.permit(record), Requests.durationMs(record), now);
        recorded++;
      } catch (ApiException | PermitRejectedException | BreakerRegistry.LimitExceededException e) {
        refused++;
        LOG.log(Level.DEBUG, "A batched outcome was refused: {0}", e.getMessage());
      }
    }
    return new JsonObject().put("recorded", recorded).put("refused", refused);
  }

  /** The snapshot after an operator action, whose transition the reply acknowledges. */
  private JsonObject acknowledged(Breaker breaker, long now) {
    toAcknowledge = breaker.lastTransition();
    return snapshot(breaker, now);
  }

  private JsonObject acquire(String name, long now) {
    Decision decision = registry.acquire(name, now);
    toAcknowledge = decision.transition();
    JsonObject reply = new JsonObject()
        .put("name", name)
        .put("permitted", decision.permitted())
        .put("state", decision.state().wireName());
    return decision.permitted()
        ? reply.put("permit", permitText(decision.permit()))
        : reply.put("retry_after_ms", decision.retryAfterMs());
  }

  /** Closed and disabled hand out the same permit: its text need not be made again for every acquire. */
  private static String permitText(long permit) {
    return permit == Breaker.UNTRACKED_PERMIT ? Breaker.UNTRACKED_PERMIT_TEXT : Long.toString(permit);
  }

  private Breaker existing(String name, long now) {
    Breaker breaker = registry.get(name, now);
    if (breaker == null) {
      throw new ApiException(ApiError.NOT_FOUND, "no breaker named '" + name + "'");
    }
    return breaker;
  }

  private JsonObject statusAll(long now) {
    List<Breaker> breakers = new ArrayList<>(registry.all());
    breakers.sort(Comparator.comparing(Breaker::name));
    JsonArray list = new JsonArray(new ArrayList<>(breakers.size()));
    for (Breaker breaker : breakers) {
      list.add(snapshot(breaker, now));
    }
    return new JsonObject().put("breakers", list).put("persistence", persistence.status());
  }

  /** A snapshot with live fields: {@code retry_after_ms} while open or forced open. */
  private static JsonObject snapshot(Breaker breaker, long now) {
    JsonObject json = SnapshotCodec.toJson(breaker.snapshot());
    if (breaker.state() == BreakerState.OPEN || breaker.state() == BreakerState.FORCED_OPEN) {
      json.put("retry_after_ms", breaker.retryAfterMs(now));
    }
    return json;
  }
}
