package io.tripstate.bus;

import io.tripstate.config.TripstateConfig;
import io.tripstate.engine.BreakerEngine;
import io.tripstate.engine.VertxScheduler;
import io.tripstate.fastpath.LocalView;
import io.tripstate.store.Persistence;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Item 8 of issue 5: what the verticle's side of one {@code acquire} costs in {@link BreakerApi#handle} (parse,
 * validate, decide, update the view, build the reply), without the event bus around it, next to a bare echo
 * handler (the anchor of section 3: {@code reply.copy()}). Wired as {@code BreakerVerticle} wires it,
 * persistence off, a closed breaker; the message is a stand-in that hands the reply to a blackhole.
 *
 * <p>{@code java -cp "$CP" org.openjdk.jmh.Main AcquireHandlerBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class AcquireHandlerBenchmark {
  private Vertx vertx;
  private BreakerApi api;
  private Request acquire;
  private Request echo;
  private final JsonObject echoReply = new JsonObject().put("name", "bench").put("permitted", true)
      .put("state", "closed").put("permit", "1790912345678901");

  @Setup
  public void setUp() {
    vertx = Vertx.vertx();
    TripstateConfig config = TripstateConfig.from(new JsonObject()
        .put("persistence", new JsonObject().put("enabled", false)));
    Clock clock = Clock.systemUTC();
    Persistence persistence = new Persistence(new VertxScheduler(vertx, clock), Runnable::run, null,
        config.persistence(), "(disabled)", name -> "");
    BreakerEngine engine = new BreakerEngine(config::settingsFor, config.maxBreakers(), new VertxScheduler(vertx, clock),
        List.of(new LocalView(clock), new TransitionEvents(vertx.eventBus(), config.transitionsAddress(),
            config.sharing().instanceId(), null), persistence));
    api = new BreakerApi(vertx.eventBus(), config.address(), engine, persistence, false, config.maxRequestBytes());
    acquire = new Request(MultiMap.caseInsensitiveMultiMap().add(Action.HEADER, "acquire"),
        new JsonObject().put("name", "bench"));
    echo = new Request(MultiMap.caseInsensitiveMultiMap(), new JsonObject().put("name", "bench"));
  }

  @TearDown
  public void tearDown() {
    vertx.close().await();
  }

  @Benchmark
  public void acquire(Blackhole hole) {
    acquire.hole = hole;
    api.handle(acquire);
  }

  @Benchmark
  public void echo(Blackhole hole) {
    echo.hole = hole;
    echo.reply(echoReply.copy());
  }

  /** A received request whose reply goes to a blackhole. */
  private static final class Request implements Message<Object> {
    private final MultiMap headers;
    private final Object body;
    Blackhole hole;

    Request(MultiMap headers, Object body) {
      this.headers = headers;
      this.body = body;
    }

    @Override
    public String address() {
      return "tripstate";
    }

    @Override
    public MultiMap headers() {
      return headers;
    }

    @Override
    public Object body() {
      return body;
    }

    @Override
    public String replyAddress() {
      return "reply";
    }

    @Override
    public boolean isSend() {
      return true;
    }

    @Override
    public void reply(Object message, DeliveryOptions options) {
      hole.consume(message);
    }

    @Override
    public <R> Future<Message<R>> replyAndRequest(Object message, DeliveryOptions options) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void fail(int failureCode, String message) {
      throw new AssertionError("acquire failed: " + failureCode + " " + message);
    }
  }
}
