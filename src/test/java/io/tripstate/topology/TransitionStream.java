package io.tripstate.topology;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A steady stream of transitions for failover tests: every {@code periodMs} one {@code force_open} of one
 * breaker (each one a transition and a write), sent from a Vert.x timer, with every reply recorded. Run
 * the verticle with {@code persistence.ackAfterWrite} so that replies say whether Redis confirmed them.
 */
final class TransitionStream implements AutoCloseable {
  /**
   * One reply: when its request was sent and when it came, the version it reported and {@code snapshot}
   * (written / pending / ...).
   */
  record Reply(long sentAtNanos, long atNanos, long version, String snapshot) {}

  private final Vertx vertx;
  private final long timerId;
  private final List<Reply> replies = new CopyOnWriteArrayList<>();
  private final List<String> failures = new CopyOnWriteArrayList<>();

  TransitionStream(Vertx vertx, String address, String name, long periodMs) {
    this.vertx = vertx;
    DeliveryOptions options = new DeliveryOptions().addHeader("action", "force_open").setSendTimeout(10_000);
    JsonObject body = new JsonObject().put("name", name);
    this.timerId = vertx.setPeriodic(periodMs, id -> {
      long sentAt = System.nanoTime();
      vertx.eventBus().<JsonObject>request(address, body, options)
          .onSuccess(reply -> replies.add(new Reply(sentAt, System.nanoTime(), reply.body().getLong("version"),
              reply.body().getString("snapshot"))))
          .onFailure(error -> failures.add(error.toString()));
    });
  }

  List<Reply> replies() {
    return List.copyOf(replies);
  }

  /** Requests the API refused or did not answer: there must be none (decisions never wait on Redis). */
  List<String> failures() {
    return List.copyOf(failures);
  }

  /** The newest reply before {@code nanos} that Redis confirmed. */
  Optional<Reply> lastWrittenBefore(long nanos) {
    return replies.stream().filter(r -> r.atNanos() < nanos && "written".equals(r.snapshot()))
        .reduce((a, b) -> b);
  }

  /** The first reply that Redis confirmed to a request sent after {@code nanos}. */
  Optional<Reply> firstWrittenSentAfter(long nanos) {
    return replies.stream().filter(r -> r.sentAtNanos() > nanos && "written".equals(r.snapshot())).findFirst();
  }

  @Override
  public void close() {
    vertx.cancelTimer(timerId);
  }
}
