package io.tripstate.bench;

import com.sun.management.ThreadMXBean;
import io.tripstate.BreakerVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A steady load for a profiler (item 8 of issue 5): {@code acquire} through a {@code BreakerVerticle}
 * (persistence off) with 64 requests in flight for a fixed time, set up as in {@link EventBusApi}. Run it
 * under JFR, e.g. {@code java -XX:StartFlightRecording=duration=30s,filename=/tmp/acquire.jfr,settings=profile
 * -cp "$CP" io.tripstate.bench.AcquireProfile 20}, then rank its samples with {@link JfrTop}.
 *
 * <p>Besides requests/s and latency it prints the CPU time and the bytes the verticle's event loop spent per
 * request: other load on the machine changes them less than it changes requests/s. With
 * {@code --echo} the same load then runs against a bare echo consumer on that event loop, the anchor of
 * section 3 (leave it out under a profiler: the echo's samples would dilute the acquire's).
 */
public final class AcquireProfile {
  private static final String API = "bench.tripstate";
  private static final String ECHO = "bench.echo";

  private AcquireProfile() {}

  /** The verticle, with the context it runs on. */
  static final class Owned extends BreakerVerticle {
    Context context() {
      return context;
    }
  }

  /** Arguments: seconds measured (default 20), requests in flight (default 64), {@code --echo}. */
  public static void main(String[] args) {
    List<String> numbers = List.of(args).stream().filter(a -> !a.startsWith("--")).toList();
    long seconds = numbers.size() > 0 ? Long.parseLong(numbers.get(0)) : 20;
    int inFlight = numbers.size() > 1 ? Integer.parseInt(numbers.get(1)) : 64;
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      JsonObject config = new JsonObject().put("address", API).put("maxBreakers", 1_000)
          .put("persistence", new JsonObject().put("enabled", false));
      Owned verticle = new Owned();
      vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).await();
      Load.Host host = new Load.Host();
      vertx.deployVerticle(host).await();
      long loopThread = threadOf(verticle.context());
      if (loopThread == threadOf(host.context())) {
        throw new IllegalStateException("the load generator shares the verticle's event loop");
      }
      DeliveryOptions acquire = new DeliveryOptions().addHeader("action", "acquire");
      JsonObject body = new JsonObject().put("name", "bench");
      run("acquire", vertx, host, loopThread, seconds, inFlight,
          () -> vertx.eventBus().request(API, body.copy(), acquire));
      if (List.of(args).contains("--echo")) {
        JsonObject reply = new JsonObject().put("name", "bench").put("permitted", true).put("state", "closed")
            .put("permit", "1790912345678901");
        CompletableFuture<Void> listening = new CompletableFuture<>();
        verticle.context().runOnContext(v -> vertx.eventBus().consumer(ECHO, m -> m.reply(reply.copy()))
            .completion().onComplete(r -> listening.complete(null)));
        listening.join();
        run("echo", vertx, host, loopThread, seconds, inFlight, () -> vertx.eventBus().request(ECHO, body.copy()));
      }
    } finally {
      vertx.close().await();
    }
  }

  private static void run(String what, Vertx vertx, Load.Host host, long loopThread, long seconds, int inFlight,
      Supplier<Future<?>> op) {
    Load.run(host, inFlight, 1_000, 1_000, op);
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long cpuBefore = threads.getThreadCpuTime(loopThread);
    long userBefore = threads.getThreadUserTime(loopThread);
    long bytesBefore = threads.getThreadAllocatedBytes(loopThread);
    Load.Result result = Load.run(host, inFlight, 1, seconds * 1_000, op);
    long cpuNs = threads.getThreadCpuTime(loopThread) - cpuBefore;
    long userNs = threads.getThreadUserTime(loopThread) - userBefore;
    long bytes = threads.getThreadAllocatedBytes(loopThread) - bytesBefore;
    double requests = result.perSecond() * seconds;
    System.out.printf("%s, %d in flight, %d s: %,.0f requests/s, p50 %s us, p99 %s us, %d failed; "
        + "verticle's event loop per request: %.2f us CPU (%.2f us user), %.0f bytes allocated%n", what, inFlight,
        seconds, result.perSecond(), result.us(result.p50Ns()), result.us(result.p99Ns()), result.errors(),
        cpuNs / 1_000.0 / requests, userNs / 1_000.0 / requests, bytes / requests);
  }

  private static long threadOf(Context context) {
    CompletableFuture<Long> id = new CompletableFuture<>();
    context.runOnContext(v -> id.complete(Thread.currentThread().getId()));
    return id.join();
  }
}
