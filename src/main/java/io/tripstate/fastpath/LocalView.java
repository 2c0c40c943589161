package io.tripstate.fastpath;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Transition;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A read-only view of the breakers that the verticle publishes to {@code BreakerClient}s in the same Vert.x
 * instance, so that they decide {@code acquire} in closed and open states in their own thread without an
 * event-bus hop. The owner stays the only writer: the view is the engine's first listener, so an entry changes
 * in the same event-loop turn as the transition, before anyone else hears of it and before the verticle answers
 * the request that caused it (and new and restored breakers appear as they come). Everything else (half-open
 * trials, forced states, unknown names) still goes through the verticle. The outcomes of calls decided here go
 * back through the view's {@link OutcomeQueue}.
 */
public final class LocalView implements Shareable, BreakerRegistry.Listener {
  private static final String VIEWS = "io.tripstate.views";

  /**
   * What a client needs to decide alone: the state, while open until when, and from what duration a call is
   * slow, 0 when the breaker's policy ignores durations (then the client need not read a clock around the call);
   * and where to count the decisions made from it (one counter object per name, kept across entries).
   */
  public record Entry(BreakerState state, long openUntilMs, long slowCallMs, Decisions decisions) {}

  /**
   * The decisions made on the fast path for one breaker, for metrics: striped counters ({@link LongAdder}) that
   * any thread adds to and a scrape reads. A fast-path {@code execute} is counted as permitted when the owner
   * takes its outcome from the queue (so the call's own thread pays nothing for it).
   */
  public static final class Decisions {
    private final LongAdder permitted = new LongAdder();
    private final LongAdder notPermitted = new LongAdder();

    public void permitted(long count) {
      permitted.add(count);
    }

    public void notPermitted() {
      notPermitted.increment();
    }

    public long permittedCount() {
      return permitted.sum();
    }

    public long notPermittedCount() {
      return notPermitted.sum();
    }
  }

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final Clock clock;
  private volatile boolean open = true;
  private OutcomeQueue outcomes;

  public LocalView(Clock clock) {
    this.clock = clock;
  }

  /** The map where views are published in a Vert.x instance; a client looks it up once. */
  public static LocalMap<String, LocalView> views(Vertx vertx) {
    return vertx.sharedData().getLocalMap(VIEWS);
  }

  /** The view published for an address, or {@code null}. */
  public static LocalView find(LocalMap<String, LocalView> views, String address) {
    LocalView view = views.get(address);
    return view != null && view.open ? view : null;
  }

  /**
   * Publishes this view for an address, with the queue that takes the outcomes of the calls it permits; the
   * owner calls it once it serves. (The shared map's put and get order the queue's assignment before any use.)
   */
  public void publish(Vertx vertx, String address, OutcomeQueue outcomes) {
    this.outcomes = outcomes;
    vertx.sharedData().<String, LocalView>getLocalMap(VIEWS).put(address, this);
  }

  /** Where clients hand back the outcomes of calls this view permitted. */
  public OutcomeQueue outcomes() {
    return outcomes;
  }

  /** Withdraws the view: clients holding it go back to the event bus. */
  public void withdraw(Vertx vertx, String address) {
    open = false;
    vertx.sharedData().<String, LocalView>getLocalMap(VIEWS).remove(address, this);
  }

  public boolean isOpen() {
    return open;
  }

  /** The entry of a name, or {@code null} when the client must ask the verticle. */
  public Entry get(String name) {
    return entries.get(name);
  }

  /** How long an entry's breaker still rejects, ms: more than 0 only while open with time left. */
  public long rejectingForMs(Entry entry) {
    return entry.state() == BreakerState.OPEN ? entry.openUntilMs() - clock.millis() : 0;
  }

  @Override
  public void onTransition(Breaker breaker, Transition transition) {
    update(breaker);
  }

  /** Counters are not in the view: nothing to do. */
  @Override
  public void onCounterChange(Breaker breaker) {}

  @Override
  public void onCreated(Breaker breaker) {
    update(breaker);
  }

  @Override
  public void onRestored(Breaker breaker) {
    update(breaker);
  }

  /** Owner only: reflects a breaker's current state. */
  public void update(Breaker breaker) {
    BreakerState state = breaker.state();
    Entry current = entries.get(breaker.name());
    long openUntil = breaker.openUntilMs();
    if (current == null || current.state() != state || current.openUntilMs() != openUntil) {
      Decisions decisions = current == null ? new Decisions() : current.decisions();
      entries.put(breaker.name(), new Entry(state, openUntil, breaker.settings().slowCallThresholdMs(), decisions));
    }
  }

  /** The fast-path decisions of a name, or {@code null} before the owner reflected it; safe from any thread. */
  public Decisions decisions(String name) {
    Entry entry = entries.get(name);
    return entry == null ? null : entry.decisions();
  }

  /**
   * Owner only: a sink that counts every outcome taken from the queue as a permitted fast-path decision (its call
   * was permitted from this view) and passes it on.
   */
  public OutcomeQueue.Sink countingPermitted(OutcomeQueue.Sink next) {
    return (name, outcome, durationMs, count, nowMs) -> {
      Entry entry = entries.get(name);
      if (entry != null) {
        entry.decisions().permitted(count);
      }
      next.record(name, outcome, durationMs, count, nowMs);
    };
  }

  @Override
  public Shareable copy() {
    return this;
  }
}
