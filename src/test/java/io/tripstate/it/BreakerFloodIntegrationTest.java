package io.tripstate.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.config.TripstateConfig;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code maxBreakers} holds under a flood of new names: every request is answered, memory stays bounded. */
@ExtendWith(VertxExtension.class)
class BreakerFloodIntegrationTest {
  private static final int NAMES = 100_000;
  private static final int MAX_BREAKERS = TripstateConfig.DEFAULT_MAX_BREAKERS;
  private static final int IN_FLIGHT = 256;
  private static final long HEAP_GROWTH_BOUND = 100L << 20;
  /** A leak of one breaker per refused name would cost about 70 MB here. */
  private static final long REFUSED_NAMES_HEAP_BOUND = 20L << 20;

  /** One acquire per name {@code flood-<from..to-1>}, at most {@link #IN_FLIGHT} in flight; confined to one context. */
  private static final class Flood {
    private final Vertx vertx;
    private final String address;
    private final int from;
    private final int to;
    private final Promise<Void> done = Promise.promise();
    private final Map<String, Integer> otherOutcomes = new TreeMap<>();
    private int sent;
    private int answered;
    private int permitted;
    private int refused;

    Flood(Vertx vertx, String address, int from, int to) {
      this.vertx = vertx;
      this.address = address;
      this.from = from;
      this.to = to;
      this.sent = from;
    }

    Future<Void> run(Context context) {
      context.runOnContext(v -> {
        for (int i = 0; i < IN_FLIGHT; i++) {
          sendNext();
        }
      });
      return done.future();
    }

    private void sendNext() {
      if (sent == to) {
        return;
      }
      int index = sent++;
      DeliveryOptions options = new DeliveryOptions().addHeader("action", "acquire").setSendTimeout(10_000);
      vertx.eventBus().<JsonObject>request(address, new JsonObject().put("name", "flood-" + index), options)
          .onComplete(reply -> {
            answered++;
            if (reply.succeeded() && reply.result().body().getBoolean("permitted")) {
              permitted++;
            } else if (reply.failed() && reply.cause() instanceof ReplyException e && e.failureCode() == 429) {
              refused++;
            } else {
              otherOutcomes.merge(reply.succeeded() ? reply.result().body().encode() : reply.cause().toString(), 1,
                  Integer::sum);
            }
            if (answered == to - from) {
              done.complete();
            } else {
              sendNext();
            }
          });
    }
  }

  @Test
  void refusesEveryNameBeyondMaxBreakersAnswersAllAndKeepsServing(Vertx vertx) {
    JsonObject config = Deployments.config();
    Bus bus = Deployments.serve(vertx, config, MutableClock.startingNow());
    // The first name of the flood exists already: the flood then creates exactly maxBreakers - 1 new ones.
    bus.acquire("flood-0");
    long heapBefore = heapUsedAfterGc();

    // Two phases, to tell the memory of the breakers that fit from what the refused names leave behind.
    long started = System.nanoTime();
    Flood fill = flood(vertx, config, 0, MAX_BREAKERS);
    long heapFilled = heapUsedAfterGc();
    Flood beyond = flood(vertx, config, MAX_BREAKERS, NAMES);
    long floodMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    long heapAfter = heapUsedAfterGc();

    int permitted = fill.permitted + beyond.permitted;
    int refused = fill.refused + beyond.refused;
    System.out.printf("flood of %d new names: %d ms, %d permitted, %d refused with 429; heap growth after GC "
        + "%.1f MB in all, %.1f MB for the %d breakers, %.1f MB for the %d refused names%n", NAMES, floodMs,
        permitted, refused, mb(heapAfter - heapBefore), mb(heapFilled - heapBefore), MAX_BREAKERS,
        mb(heapAfter - heapFilled), refused);
    assertThat(fill.otherOutcomes).as("replies that were neither a permit nor a 429").isEmpty();
    assertThat(beyond.otherOutcomes).as("replies that were neither a permit nor a 429").isEmpty();
    assertThat(fill.answered + beyond.answered).as("every request answered").isEqualTo(NAMES);
    assertThat(permitted).isEqualTo(MAX_BREAKERS);
    assertThat(refused).isEqualTo(NAMES - MAX_BREAKERS);
    assertThat(fill.refused).as("no name refused while there was room").isZero();
    assertThat(heapAfter - heapBefore).as("heap growth after GC, bytes").isLessThan(HEAP_GROWTH_BOUND);
    assertThat(heapAfter - heapFilled).as("heap growth from refused names, bytes").isLessThan(REFUSED_NAMES_HEAP_BOUND);

    assertThat(bus.acquire("flood-0").getBoolean("permitted")).isTrue();
    assertThat(bus.record("flood-9999", "failure").getString("state")).isEqualTo("closed");
    assertThat(bus.refuse("status", new JsonObject().put("name", "flood-10000")).failureCode()).isEqualTo(404);
    assertThat(bus.refuse("status", new JsonObject().put("name", "flood-50000")).failureCode()).isEqualTo(404);
    ReplyException oneMore = bus.refuse("acquire", new JsonObject().put("name", "one-more"));
    assertThat(oneMore.failureCode()).isEqualTo(429);
    assertThat(oneMore.getMessage()).contains("maxBreakers");
    assertThat(bus.statusAll().getJsonArray("breakers")).hasSize(MAX_BREAKERS);
  }

  private static Flood flood(Vertx vertx, JsonObject config, int from, int to) {
    Flood flood = new Flood(vertx, config.getString("address"), from, to);
    flood.run(vertx.getOrCreateContext()).timeout(60, TimeUnit.SECONDS).await();
    return flood;
  }

  private static double mb(long bytes) {
    return bytes / 1048576.0;
  }

  private static long heapUsedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
