package io.tripstate.bench;

import io.tripstate.BreakerClient;
import io.tripstate.BreakerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Supplier;

/**
 * Section 3 of issue 5: requests/s and latency through the event-bus API, against a bare echo consumer on
 * another event loop (the ceiling), with 1, 16 and 64 requests in flight. Persistence is off: an acquire
 * in closed writes nothing anyway. Also {@code BreakerClient.execute} of a completed call and the
 * {@code call} action against a direct request to the same echo. {@code --acquire-only}: the echo and acquire
 * rows alone (for before/after comparisons of the acquire path).
 */
public final class EventBusApi {
  private static final String API = "bench.tripstate";
  private static final String ECHO = "bench.echo";
  private static final int[] IN_FLIGHT = {1, 16, 64};

  private EventBusApi() {}

  /** Replies to every request with a body the size of an acquire reply. */
  static final class Echo extends VerticleBase {
    volatile String thread;

    @Override
    public Future<?> start() {
      JsonObject reply = new JsonObject().put("name", "bench").put("permitted", true).put("state", "closed")
          .put("permit", "1790912345678901");
      thread = Thread.currentThread().getName();
      return vertx.eventBus().consumer(ECHO, message -> message.reply(reply.copy())).completion();
    }
  }

  public static void main(String[] args) {
    boolean quick = Summary.quick(args);
    boolean acquireOnly = List.of(args).contains("--acquire-only");
    long warmupMs = quick ? 500 : 2_000;
    long measureMs = quick ? 700 : 4_000;
    // Two event loops on two cores; deployments take them round-robin: the verticle and the echo share one,
    // the load generator has the other, so every request crosses threads as it would in an application.
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      JsonObject config = new JsonObject().put("address", API).put("maxBreakers", 1_000)
          .put("persistence", new JsonObject().put("enabled", false));
      vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)).await();
      Load.Host host = new Load.Host();
      vertx.deployVerticle(host).await();
      Echo echoVerticle = new Echo();
      vertx.deployVerticle(echoVerticle).await();
      java.util.concurrent.CompletableFuture<String> hostThread = new java.util.concurrent.CompletableFuture<>();
      host.context().runOnContext(v -> hostThread.complete(Thread.currentThread().getName()));
      System.out.println("load generator on " + hostThread.join() + ", echo on " + echoVerticle.thread);
      if (hostThread.join().equals(echoVerticle.thread)) {
        throw new IllegalStateException("the load generator shares the echo's event loop");
      }
      BreakerClient client = BreakerClient.create(vertx, API);
      BreakerClient busClient = client.withoutFastPath();
      DeliveryOptions acquire = new DeliveryOptions().addHeader("action", "acquire");
      JsonObject acquireBody = new JsonObject().put("name", "bench");
      JsonObject echoBody = new JsonObject().put("name", "bench");
      Supplier<Future<String>> completed = () -> Future.succeededFuture("ok");

      Summary summary = new Summary("3-event-bus", "Event-bus API (one JVM, " + Runtime.getRuntime()
          .availableProcessors() + " cores, " + measureMs + " ms measured after " + warmupMs + " ms warm-up)",
          "operation", "in flight", "requests/s", "p50 us", "p99 us", "p99.9 us", "vs anchor: req/s",
          "vs anchor: p99", "others' CPU (cores)");
      for (int inFlight : new int[] {64}) {  // warm every path up once (JIT) before measuring any
        run(vertx, host, inFlight, warmupMs, 200, () -> vertx.eventBus().request(ECHO, echoBody.copy()));
        run(vertx, host, inFlight, warmupMs, 200, () -> vertx.eventBus().request(API, acquireBody.copy(), acquire));
        if (acquireOnly) {
          continue;
        }
        run(vertx, host, inFlight, warmupMs, 200, () -> busClient.execute("bench", completed));
        run(vertx, host, inFlight, warmupMs, 200, () -> busClient.call("bench", ECHO, echoBody.copy(), null, null));
      }
      for (int inFlight : IN_FLIGHT) {
        Load.Result echo = run(vertx, host, inFlight, warmupMs, measureMs,
            () -> vertx.eventBus().request(ECHO, echoBody.copy()));
        Load.Result api = run(vertx, host, inFlight, warmupMs, measureMs,
            () -> vertx.eventBus().request(API, acquireBody.copy(), acquire));
        row(summary, quick, "echo request (anchor)", inFlight, echo, echo);
        row(summary, quick, "acquire via BreakerVerticle", inFlight, api, echo);
        if (acquireOnly) {
          continue;
        }
        Load.Result execute = run(vertx, host, inFlight, warmupMs, measureMs,
            () -> busClient.execute("bench", completed));
        Load.Result call = run(vertx, host, inFlight, warmupMs, measureMs,
            () -> busClient.call("bench", ECHO, echoBody.copy(), null, null));
        row(summary, quick, "BreakerClient.execute, event bus", inFlight, execute, echo);
        Load.Result fast = run(vertx, host, inFlight, warmupMs, measureMs, () -> client.execute("bench", completed));
        row(summary, quick, "BreakerClient.execute, default (fast path)", inFlight, fast, null);
        row(summary, quick, "call action -> echo", inFlight, call, echo);
      }
      if (acquireOnly) {
        summary.write();
        return;
      }
      double directNs = directCallNs(completed, quick);
      summary.note(String.format("Anchor of every row: the echo request at the same number in flight. Calling the "
          + "target directly (`supplier.get()` of a completed Future, plain loop on one thread) costs %.1f ns, "
          + "i.e. %.0f M calls/s: an execute over the event bus is two request-replies (acquire, then record).",
          directNs, 1_000 / directNs));
      summary.write();
    } finally {
      vertx.close().await();
    }
  }

  /**
   * One load run, then a wait until the verticle has worked off its queue: execute's records are sent without
   * waiting, so a run can leave a backlog that would slow the next run down.
   */
  private static Load.Result run(Vertx vertx, Load.Host host, int inFlight, long warmupMs, long measureMs,
      Supplier<Future<?>> op) {
    Load.Result result = Load.run(host, inFlight, warmupMs, measureMs, op);
    long started = System.nanoTime();
    vertx.eventBus().request(API, new JsonObject(), new DeliveryOptions().addHeader("action", "health")
        .setSendTimeout(120_000)).await();
    long drainMs = (System.nanoTime() - started) / 1_000_000;
    if (drainMs > 50) {
      System.out.printf("(the verticle needed %d ms to work off its queue after %d in flight)%n", drainMs, inFlight);
    }
    return result;
  }

  /**
   * anchor null: no ratio (the fast path never reaches the event bus, so its rate against the echo's says how
   * fast the load generator is). quick: ratios measured while other processes took more than
   * {@link Contention#MAX_OTHERS_CORES} cores (in this row's run or its anchor's) are labelled not comparable.
   */
  private static void row(Summary summary, boolean quick, String name, int inFlight, Load.Result r,
      Load.Result anchor) {
    String label = "";
    double others = anchor == null ? r.othersCores() : Math.max(r.othersCores(), anchor.othersCores());
    if (quick && anchor != null && others > Contention.MAX_OTHERS_CORES) {
      label = " (not comparable: other processes took " + Contention.format(others) + " cores)";
    }
    summary.row(name, inFlight, String.format("%,.0f", r.perSecond()), r.us(r.p50Ns()), r.us(r.p99Ns()),
        r.us(r.p999Ns()) + (r.errors() > 0 ? " (" + r.errors() + " failed)" : ""),
        anchor == null ? "" : String.format("%.0f%%", 100 * r.perSecond() / anchor.perSecond()) + label,
        anchor == null ? "" : Summary.ratio(r.p99Ns(), anchor.p99Ns()) + label, Contention.format(r.othersCores()));
  }

  private static double directCallNs(Supplier<Future<String>> target, boolean quick) {
    long sink = 0;
    long rounds = quick ? 20_000_000L : 100_000_000L;
    for (int warm = 0; warm < 2; warm++) {
      long start = System.nanoTime();
      for (long i = 0; i < rounds; i++) {
        sink += target.get().result().length();
      }
      if (warm == 1) {
        if (sink == 42) {
          System.out.println();
        }
        return (System.nanoTime() - start) / (double) rounds;
      }
    }
    throw new AssertionError();
  }
}
