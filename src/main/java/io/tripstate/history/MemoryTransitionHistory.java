package io.tripstate.history;

import io.tripstate.breaker.Transition;
import io.tripstate.config.HistoryConfig;
import io.tripstate.engine.Scheduler;
import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The history when persistence is off: per breaker the last {@code maxEntries} transitions, dropped
 * {@code ttlSeconds} after the last one (as the Redis stream expires). Memory is bounded by
 * {@code maxBreakers x maxEntries} transitions, each the object the breaker already made. Confined to the
 * owner's event loop.
 */
public final class MemoryTransitionHistory implements TransitionHistory {
  private final Map<String, ArrayDeque<Transition>> histories = new HashMap<>();
  private final HistoryConfig config;
  private final Scheduler scheduler;

  public MemoryTransitionHistory(HistoryConfig config, Scheduler scheduler) {
    this.config = config;
    this.scheduler = scheduler;
  }

  @Override
  public Future<Void> append(Transition transition) {
    ArrayDeque<Transition> history = current(transition.name());
    if (history == null) {
      history = new ArrayDeque<>();
      histories.put(transition.name(), history);
    }
    if (history.size() >= config.maxEntries()) {
      history.removeFirst();
    }
    history.addLast(transition);
    return Future.succeededFuture();
  }

  @Override
  public Future<List<Transition>> latest(String name, int limit) {
    ArrayDeque<Transition> history = current(name);
    List<Transition> newestFirst = new ArrayList<>(Math.min(limit, history == null ? 0 : history.size()));
    if (history != null) {
      for (Iterator<Transition> it = history.descendingIterator(); it.hasNext() && newestFirst.size() < limit; ) {
        newestFirst.add(it.next());
      }
    }
    return Future.succeededFuture(newestFirst);
  }

  @Override
  public String key(String name) {
    return "(memory)";
  }

  /** A breaker's history, or {@code null} when it has none or it expired. */
  private ArrayDeque<Transition> current(String name) {
    ArrayDeque<Transition> history = histories.get(name);
    if (history != null && config.ttlSeconds() > 0
        && scheduler.nowMs() - history.getLast().atMs() >= config.ttlSeconds() * 1_000) {
      histories.remove(name);
      return null;
    }
    return history;
  }
}
