package io.tripstate.bus;

import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.PermitRejectedException;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.Map;

/**
 * The {@code call} action: acquires, sends the body to the target address, measures, records the outcome
 * and answers with the target's reply. A target failure with code >= 500 (or in {@code failureCodes}),
 * a timeout (504) and a missing handler (503) count as failures; any other target failure is passed
 * through and counts as a success: a caller's mistake is not the dependency's fault.
 */
final class CallAction {
  private static final Logger LOG = System.getLogger(CallAction.class.getName());

  private final EventBus eventBus;
  private final BreakerRegistry registry;
  private final Clock clock;
  private final Runnable afterChange;

  /** @param afterChange run after a call completes, outside any request (re-arms the deadline timer) */
  CallAction(EventBus eventBus, BreakerRegistry registry, Clock clock, Runnable afterChange) {
    this.eventBus = eventBus;
    this.registry = registry;
    this.clock = clock;
    this.afterChange = afterChange;
  }

  void handle(Message<Object> message, JsonObject body) {
    String name = Requests.name(body);
    String address = Requests.address(body);
    Long timeoutMs = Requests.positiveMillis(body, "timeout_ms");
    Decision decision = registry.acquire(name, clock.millis()); // BreakerApi re-arms deadlines after this turn
    if (!decision.permitted()) {
      Long retryAfterMs = decision.state() == BreakerState.FORCED_OPEN
          ? BreakerApi.retryAfterMs(registry.get(name), clock.millis()) : (Long) decision.retryAfterMs();
      message.fail(ApiError.UNAVAILABLE.code(), "CircuitBreaker '" + name + "' is " + decision.state().wireName()
          + " and does not permit further calls"
          + (retryAfterMs == null ? " until it is reset" : "; retry after " + retryAfterMs + " ms"));
      return;
    }
    BreakerSettings settings = registry.get(name).settings();
    long timeout = timeoutMs != null ? timeoutMs : settings.callTimeoutMs();
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeout);
    for (Map.Entry<String, String> header : message.headers()) {
      if (!Action.HEADER.equalsIgnoreCase(header.getKey())) {
        options.addHeader(header.getKey(), header.getValue());
      }
    }
    long started = System.nanoTime();
    eventBus.request(address, body.getValue("body"), options).onComplete(result -> {
      double durationMs = (System.nanoTime() - started) / 1_000_000.0;
      try {
        Outcome outcome = answer(message, result, address, timeout, settings);
        registry.record(name, outcome, decision.permit(), durationMs, clock.millis());
      } catch (PermitRejectedException e) {
        LOG.log(Level.INFO, "Breaker ''{0}'': outcome of a call not counted: {1}", name, e.getMessage());
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "Breaker ''" + name + "'': completing a call to '" + address + "' failed", e);
      } finally {
        afterChange.run();
      }
    });
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
