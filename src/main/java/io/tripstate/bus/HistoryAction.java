package io.tripstate.bus;

import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.Transition;
import io.tripstate.history.TransitionHistory;
import io.tripstate.store.SnapshotCodec;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The {@code history} action: {@code {"name", "limit"?}} answers
 * {@code {"name", "history": [{"from", "to", "at", "reason", "version"}, ...]}}, newest first; {@code limit}
 * 1 to {@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT}. 404 for a name with no breaker; 503 when the
 * history cannot be read (Redis down or slow).
 */
final class HistoryAction {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1_000;

  private final BreakerRegistry registry;
  private final TransitionHistory history;

  HistoryAction(BreakerRegistry registry, TransitionHistory history) {
    this.registry = registry;
    this.history = history;
  }

  void handle(Message<Object> message, JsonObject body) {
    String name = Requests.name(body);
    int limit = Requests.wholeNumber(body, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
    if (registry.get(name) == null) {
      throw new ApiException(ApiError.NOT_FOUND, "no breaker named '" + name + "'");
    }
    history.latest(name, limit).onComplete(result -> {
      if (result.succeeded()) {
        JsonArray entries = new JsonArray();
        for (Transition transition : result.result()) {
          entries.add(toJson(transition));
        }
        message.reply(new JsonObject().put("name", name).put("history", entries));
      } else {
        message.fail(ApiError.UNAVAILABLE.code(), "the history of breaker '" + name + "' at '" + history.key(name)
            + "' cannot be read: " + result.cause().getMessage());
      }
    });
  }

  /** A history entry: the published transition without the name, which the reply gives once. */
  static JsonObject toJson(Transition transition) {
    return new JsonObject()
        .put("from", transition.from().wireName())
        .put("to", transition.to().wireName())
        .put("at", SnapshotCodec.seconds(transition.atMs()))
        .put("reason", transition.reason())
        .put("version", transition.version());
  }
}
