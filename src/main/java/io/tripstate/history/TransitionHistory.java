package io.tripstate.history;

import io.tripstate.breaker.Transition;
import io.vertx.core.Future;
import java.util.List;

/**
 * Where the transitions of every breaker are kept, newest last, capped per breaker: the port between the
 * breakers and a Redis stream ({@link RedisTransitionHistory}) or memory ({@link MemoryTransitionHistory}).
 * Called on the owner's event loop; returned futures complete there; every call is bounded in time.
 */
public interface TransitionHistory {

  /** No history at all ({@code history.maxEntries} 0): appends do nothing, reads find nothing. */
  TransitionHistory NONE = new TransitionHistory() {
    @Override
    public Future<Void> append(Transition transition) {
      return Future.succeededFuture();
    }

    @Override
    public Future<List<Transition>> latest(String name, int limit) {
      return Future.succeededFuture(List.of());
    }

    @Override
    public String key(String name) {
      return "(no history)";
    }
  };

  /** Appends one transition to its breaker's history. */
  Future<Void> append(Transition transition);

  /** At most {@code limit} of a breaker's latest transitions, newest first; empty when it has none. */
  Future<List<Transition>> latest(String name, int limit);

  /** Where a breaker's history is kept (its Redis key), for log lines. */
  String key(String name);

  /** Releases what it holds (a pooled connection); appends and reads fail after it. */
  default void close() {}
}
