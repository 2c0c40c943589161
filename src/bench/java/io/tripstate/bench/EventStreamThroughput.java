package io.tripstate.bench;

import io.tripstate.BreakerClient;
import io.tripstate.BreakerVerticle;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Throughput of {@code GET /events}: transitions are driven through the event-bus API as fast as the verticle
 * takes them (force_open / reset on 100 breakers, 64 requests in flight, persisted to a private Redis), with
 * 0, 1 and 10 readers in another Vert.x instance, as browsers would be. Reports the transitions/s the verticle
 * made and the events/s delivered to each reader, and checks that every reader got every transition.
 *
 * <p>{@code mvn -B -q -Pbench test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-build/cp.txt
 * -Dmdep.includeScope=test}, then {@code java -cp target/bench-build/classes:target/bench-build/test-classes:$(cat
 * target/bench-build/cp.txt) io.tripstate.bench.EventStreamThroughput [--quick]}.
 */
public final class EventStreamThroughput {
  private static final int IN_FLIGHT = 64;
  private static final int BREAKERS = 100;
  /** Held: JUL keeps loggers weakly, and a collected one would forget its level. */
  private static final Logger TRANSITION_LOG = Logger.getLogger("io.tripstate.bus.TransitionEvents");

  private EventStreamThroughput() {}

  public static void main(String[] args) throws Exception {
    boolean quick = Summary.quick(args);
    int transitions = quick ? 20_000 : 100_000;
    // The INFO line per transition is a cost of its own (and of the log's destination), not of the stream.
    TRANSITION_LOG.setLevel(Level.WARNING);
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      Vertx server = Vertx.vertx();
      Vertx browsers = Vertx.vertx();
      try {
        JsonObject config = new JsonObject().put("address", "bench.events")
            .put("transitionsAddress", "bench.events.transitions")
            .put("redis", new JsonObject().put("connectionString", redis.url()))
            .put("persistence", new JsonObject().put("keyPrefix", "bench-events:"))
            .put("http", new JsonObject().put("port", 0));
        BreakerVerticle verticle = new BreakerVerticle();
        server.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).await();
        BreakerClient client = BreakerClient.create(server, "bench.events");
        drive(client, transitions / 5); // warm-up
        Summary summary = new Summary("events", "GET /events: " + transitions + " transitions, " + IN_FLIGHT
            + " requests in flight, persisted to a private Redis (" + Runtime.getRuntime().availableProcessors()
            + " cores)", "readers", "transitions/s made", "events/s delivered per reader", "all delivered");
        for (int readers : new int[] {0, 1, 10}) {
          List<Reader> open = new ArrayList<>();
          for (int i = 0; i < readers; i++) {
            open.add(Reader.open(browsers, verticle.httpPort()));
          }
          long started = System.nanoTime();
          drive(client, transitions);
          double madePerS = transitions / ((System.nanoTime() - started) / 1e9);
          double slowest = Double.MAX_VALUE;
          boolean all = true;
          for (Reader reader : open) {
            all &= reader.awaitCount(transitions, 30_000);
            slowest = Math.min(slowest, reader.count.get() / ((reader.lastNanos - started) / 1e9));
            reader.client.close().await();
          }
          summary.row(readers, String.format("%,.0f", madePerS),
              readers == 0 ? "-" : String.format("%,.0f (slowest reader)", slowest), readers == 0 ? "-" : all);
        }
        ceiling(server, browsers, verticle.httpPort(), summary, quick ? 50_000 : 300_000);
        summary.note("Each event is one `data:` line of ~130 bytes; the readers parse every event boundary. "
            + "\"published\" rows put synthetic transitions straight on the transitions address (no breaker "
            + "work, no Redis), at most 20,000 ahead of the slowest reader: the stream's own ceiling.");
        summary.write();
      } finally {
        server.close().await();
        browsers.close().await();
      }
    }
  }

  /** Publishes synthetic transitions on the transitions address, never more than 20,000 ahead of the readers. */
  private static void ceiling(Vertx server, Vertx browsers, int port, Summary summary, int count)
      throws InterruptedException {
    JsonObject event = new JsonObject().put("name", "payments-eu-west-1").put("from", "closed").put("to", "open")
        .put("at", 1_790_912_345.678).put("reason", "failure_threshold").put("version", 123_456);
    for (int readers : new int[] {1, 10}) {
      List<Reader> open = new ArrayList<>();
      for (int i = 0; i < readers; i++) {
        open.add(Reader.open(browsers, port));
      }
      long started = System.nanoTime();
      for (int published = 0; published < count; ) {
        long slowest = open.stream().mapToLong(r -> r.count.get()).min().orElse(0);
        if (published - slowest < 20_000) {
          for (int i = 0; i < 1_000; i++) {
            server.eventBus().publish("bench.events.transitions", event);
          }
          published += 1_000;
        } else {
          Thread.sleep(1); // two cores: a spinning publisher would take one from the readers
        }
      }
      boolean all = true;
      double slowest = Double.MAX_VALUE;
      for (Reader reader : open) {
        all &= reader.awaitCount(count, 30_000);
        slowest = Math.min(slowest, reader.count.get() / ((reader.lastNanos - started) / 1e9));
        reader.client.close().await();
      }
      summary.row(readers + " (published)", "-", String.format("%,.0f (slowest reader)", slowest), all);
    }
  }

  /** Sends {@code count} force_open / reset requests, one transition each, keeping {@link #IN_FLIGHT} out. */
  private static void drive(BreakerClient client, int count) {
    Promise<Void> done = Promise.promise();
    AtomicLong sent = new AtomicLong();
    AtomicLong answered = new AtomicLong();
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      long i = sent.getAndIncrement();
      if (i >= count) {
        return;
      }
      String name = "b" + (i % BREAKERS);
      Future<JsonObject> reply = (i / BREAKERS) % 2 == 0 ? client.forceOpen(name, null) : client.reset(name);
      reply.onComplete(r -> {
        if (r.failed()) {
          done.tryFail(r.cause());
        } else if (answered.incrementAndGet() == count) {
          done.tryComplete();
        } else {
          next[0].run();
        }
      });
    };
    for (int i = 0; i < IN_FLIGHT; i++) {
      next[0].run();
    }
    done.future().timeout(120, TimeUnit.SECONDS).await();
  }

  /** A reader that counts transition events (and remembers when the last one came). */
  private static final class Reader {
    final HttpClient client;
    final AtomicLong count = new AtomicLong();
    volatile long lastNanos;

    private Reader(HttpClient client) {
      this.client = client;
    }

    static Reader open(Vertx vertx, int port) {
      HttpClient client = vertx.createHttpClient();
      Reader reader = new Reader(client);
      RecordParser events = RecordParser.newDelimited("\n\n", reader::event);
      client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
              .setURI("/events"))
          .compose(request -> request.send())
          .onSuccess(response -> response.handler(events))
          .timeout(5, TimeUnit.SECONDS)
          .await();
      return reader;
    }

    private void event(Buffer event) {
      if (event.length() > 6 && event.getByte(0) == 'd' && event.getByte(6) == '{') {
        count.incrementAndGet();
        lastNanos = System.nanoTime();
      }
    }

    boolean awaitCount(long expected, long timeoutMs) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
      while (count.get() < expected && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      return count.get() == expected;
    }
  }
}
