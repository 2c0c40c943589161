package io.tripstate.bus;

import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.PermitRejectedException;
import io.tripstate.engine.BreakerEngine;
import io.tripstate.engine.Scheduler;
import io.tripstate.sharing.TrialGate;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;

/**
 * The {@code call} action: acquires, sends the body to the target address, measures, records the outcome
 * and answers with the target's reply. A target failure with code >= 500 (or in {@code failureCodes}),
 * a timeout (504) and a missing handler (503) count as failures; any other target failure is passed
 * through and counts as a success: a caller's mistake is not the dependency's fault.
 *
 * <p>Keeps count of the calls in flight, so that a stopping verticle lets them end (each is bounded by its
 * timeout) and records their outcomes before persistence flushes. A call's reply is the target's: it never
 * waits for a write.
 */
final class CallAction {
  private static final Logger LOG = System.getLogger(CallAction.class.getName());

  private final EventBus eventBus;
  private final BreakerEngine engine;
  private final Scheduler scheduler;
  private TrialGate gate;
  private int inFlight;
  private Promise<Void> allFinished;

  CallAction(EventBus eventBus, BreakerEngine engine) {
    this.eventBus = eventBus;
    this.engine = engine;
    this.scheduler = engine.scheduler();
  }

  /** See {@link BreakerApi#useTrialGate}. */
  void useTrialGate(TrialGate gate) {
    this.gate = gate;
  }

  /** Completes when no call is in flight. */
  Future<Void> finished() {
    if (inFlight == 0) {
      return Future.succeededFuture();
    }
    if (allFinished == null) {
      allFinished = Promise.promise();
    }
    return allFinished.future();
  }

  void handle(Message<Object> message, JsonObject body) {
    String name = Requests.name(body);
    String address = Requests.address(body);
    Long timeoutMs = Requests.positiveMillis(body, "timeout_ms");
    if (gate != null && gate.needsLease(name)) {
      // Counted in flight while the lease is taken, so that a stop waits for this call too.
      inFlight++;
      gate.acquire(name).onComplete(result -> {
        try {
          if (result.failed()) {
            throw new IllegalStateException("the trial lease gate failed", result.cause());
          }
          call(message, body, name, address, timeoutMs, result.result());
        } catch (RuntimeException e) {
          LOG.log(Level.ERROR, "Breaker ''" + name + "'': acquiring a call to '" + address + "' failed", e);
          message.fail(ApiError.INTERNAL.code(), "internal error: " + e);
        } finally {
          ended();
        }
      });
      return;
    }
    call(message, body, name, address, timeoutMs, engine.acquire(name));
  }

  private void call(Message<Object> message, JsonObject body, String name, String address, Long timeoutMs,
      Decision decision) {
    if (!decision.permitted()) {
      Long retryAfterMs = decision.state() == BreakerState.FORCED_OPEN
          ? BreakerApi.retryAfterMs(engine.registry().get(name), engine.scheduler().nowMs()) : (Long) decision.retryAfterMs();
      message.fail(ApiError.UNAVAILABLE.code(), "CircuitBreaker '" + name + "' is " + decision.state().wireName()
          + " and does not permit further calls"
          + (retryAfterMs == null ? " until it is reset" : "; retry after " + retryAfterMs + " ms"));
      return;
    }
    BreakerSettings settings = engine.peek(name).settings();
    long timeout = timeoutMs != null ? timeoutMs : settings.callTimeoutMs();
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeout);
    for (Map.Entry<String, String> header : message.headers()) {
      if (!Action.HEADER.equalsIgnoreCase(header.getKey())) {
        options.addHeader(header.getKey(), header.getValue());
      }
    }
    long started = scheduler.nanoTime();
    Future<Message<Object>> reply = eventBus.request(address, body.getValue("body"), options);
    inFlight++;
    reply.onComplete(result -> {
      double durationMs = (scheduler.nanoTime() - started) / 1_000_000.0;
      try {
        Outcome outcome = answer(message, result, address, timeout, settings);
        engine.record(name, outcome, decision.permit(), durationMs);
      } catch (PermitRejectedException e) {
        LOG.log(Level.INFO, "Breaker ''{0}'': outcome of a call not counted: {1}", name, e.getMessage());
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "Breaker ''" + name + "'': completing a call to '" + address + "' failed", e);
      } finally {
        ended();
      }
    });
  }

  private void ended() {
    inFlight--;
    if (inFlight == 0 && allFinished != null) {
      Promise<Void> waiting = allFinished;
      allFinished = null;
      waiting.complete();
    }
  }

  /** Replies to the caller as the target did; returns the outcome to record. */
  private static Outcome answer(Message<Object> message, AsyncResult<Message<Object>> result, String address,
      long timeoutMs, BreakerSettings settings) {
    if (result.succeeded()) {
      MultiMap headers = result.result().headers();
      message.reply(result.result().body(), new DeliveryOptions().setHeaders(headers));
      return Outcome.SUCCESS;
    }
    if (!(result.cause() instanceof ReplyException failure)) {
      message.fail(ApiError.UNAVAILABLE.code(), "call to '" + address + "' failed: " + result.cause());
      return Outcome.FAILURE;
    }
    switch (failure.failureType()) {
      case TIMEOUT:
        message.fail(ApiError.TIMEOUT.code(), "call to '" + address + "' got no reply within " + timeoutMs + " ms");
        return Outcome.FAILURE;
      case NO_HANDLERS:
        message.fail(ApiError.UNAVAILABLE.code(), "no handler at address '" + address + "'");
        return Outcome.FAILURE;
      default:
        int code = failure.failureCode();
        message.fail(code, failure.getMessage());
        return code >= 500 || settings.failureCodes().contains(code) ? Outcome.FAILURE : Outcome.SUCCESS;
    }
  }
}
