package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tripstate.AcquireResult;
import io.tripstate.BreakerClient;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The in-process fast path: closed and open decided in the caller's thread, everything else by the owner. */
@ExtendWith(VertxExtension.class)
class FastPathIntegrationTest {
  private final MutableClock clock = MutableClock.startingNow();
  private final Map<String, AtomicInteger> sent = new ConcurrentHashMap<>();
  private JsonObject config;
  private String deployment;
  private Bus bus;
  private BreakerClient client;

  @BeforeEach
  void deploy(Vertx vertx) {
    config = Deployments.config();
    deployment = Deployments.deploy(vertx, config, clock).deploymentID();
    bus = Deployments.bus(vertx, config);
    client = BreakerClient.create(vertx, config.getString("address"));
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      String action = delivery.message().headers().get("action");
      if (action != null && config.getString("address").equals(delivery.message().address())) {
        sent.computeIfAbsent(action, a -> new AtomicInteger()).incrementAndGet();
      }
      delivery.next();
    });
  }

  /** The actions of the requests sent to an address from now on. */
  private static List<String> actionsSentTo(Vertx vertx, String address) {
    List<String> actions = new CopyOnWriteArrayList<>();
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if (address.equals(delivery.message().address())) {
        actions.add(delivery.message().headers().get("action"));
      }
      delivery.next();
    });
    return actions;
  }

  private int sent(String action) {
    return sent.getOrDefault(action, new AtomicInteger()).get();
  }

  @Test
  void aClosedBreakerPermitsWithoutAnEventBusMessage() {
    await(client.acquire("known"));
    int before = sent("acquire");

    for (int i = 0; i < 100; i++) {
      AcquireResult permit = await(client.acquire("known"));
      assertThat(permit.permitted()).isTrue();
      assertThat(permit.state()).isEqualTo("closed");
    }

    assertThat(sent("acquire")).isEqualTo(before);
  }

  @Test
  void aBreakerFirstNamedByARecordIsDecidedLocallyRightAfter() {
    bus.record("recorded-first", "success");
    int before = sent("acquire");

    AcquireResult permit = await(client.acquire("recorded-first"));

    assertThat(permit.permitted()).isTrue();
    assertThat(sent("acquire")).as("decided locally").isEqualTo(before);
  }

  @Test
  void aBreakerOpenedByTheVerticleRejectsThroughTheFastPathRightAfter() {
    await(client.acquire("fragile"));
    bus.record("fragile", "failure");
    assertThat(bus.record("fragile", "failure").getString("state")).isEqualTo("open");
    int before = sent("acquire");

    AcquireResult rejected = await(client.acquire("fragile"));

    assertThat(rejected.permitted()).isFalse();
    assertThat(rejected.state()).isEqualTo("open");
    assertThat(rejected.retryAfterMs()).isEqualTo(60_000);
    assertThat(sent("acquire")).as("decided locally").isEqualTo(before);
  }

  @Test
  void halfOpenTrialsAndForcedStatesGoThroughTheVerticle() {
    bus.record("trial", "failure");
    bus.record("trial", "failure");
    bus.send("force_open", new JsonObject().put("name", "forced"));
    clock.advanceMillis(60_000);
    int before = sent("acquire");

    AcquireResult trial = await(client.acquire("trial"));
    AcquireResult forced = await(client.acquire("forced"));

    assertThat(trial.permitted()).isTrue();
    assertThat(trial.state()).isEqualTo("half_open");
    assertThat(trial.permit()).isNotEqualTo("0");
    assertThat(forced.permitted()).isFalse();
    assertThat(forced.state()).isEqualTo("forced_open");
    assertThat(sent("acquire")).isEqualTo(before + 2);
  }

  @Test
  void outcomesOfFastPathCallsReachTheVerticleWithoutMessagesAndOpenTheBreaker(Vertx vertx) {
    await(client.acquire("batched"));
    int before = sent("record_batch") + sent("record") + sent("acquire");
    List<Future<String>> calls = new ArrayList<>();
    Future<Void> all = Future.future(promise -> vertx.runOnContext(v -> {
      for (int i = 0; i < 20; i++) {
        calls.add(client.execute("batched", () -> Future.<String>failedFuture("boom")).recover(e -> Future.succeededFuture("failed")));
      }
      Future.all(calls).<Void>mapEmpty().onComplete(promise);
    }));
    await(all);

    Bus.eventually(() -> "open".equals(bus.status("batched").getString("state")), "the breaker opened");
    assertThat(sent("record_batch") + sent("record") + sent("acquire")).as("no event-bus message per call")
        .isEqualTo(before);
  }

  @Test
  void slowCallsOnTheFastPathCountWhereThePolicyLooksAtDurations(Vertx vertx) {
    JsonObject timed = Deployments.config().put("defaults", new JsonObject()
        .put("window", new JsonObject().put("type", "count").put("size", 4).put("minimumCalls", 4))
        .put("slowCallRateThreshold", 50).put("slowCallDurationMs", 20));
    List<JsonObject> transitions = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(timed.getString("transitionsAddress"), m -> transitions.add(m.body()));
    Deployments.deploy(vertx, timed, clock);
    BreakerClient timedClient = BreakerClient.create(vertx, timed.getString("address"));
    await(timedClient.acquire("sluggish"));
    List<String> actions = actionsSentTo(vertx, timed.getString("address"));

    for (int i = 0; i < 4; i++) {
      await(timedClient.execute("sluggish", () -> vertx.timer(40).map("late")));
    }

    Bus.eventually(() -> !transitions.isEmpty(), "a transition published");
    assertThat(transitions.get(0).getString("to")).isEqualTo("open");
    assertThat(transitions.get(0).getString("reason")).isEqualTo("slow_call_rate");
    assertThat(actions).as("decided and recorded locally").isEmpty();
  }

  @Test
  void withTheFastPathSwitchedOffEveryCallGoesThroughTheVerticle(Vertx vertx) {
    JsonObject off = Deployments.config().put("fastPath", new JsonObject().put("enabled", false));
    Deployments.deploy(vertx, off, clock);
    BreakerClient offClient = BreakerClient.create(vertx, off.getString("address"));
    List<String> actions = actionsSentTo(vertx, off.getString("address"));

    await(offClient.acquire("slow-path"));
    await(offClient.acquire("slow-path"));
    await(offClient.execute("slow-path", () -> Future.succeededFuture("ok")));

    Bus.eventually(() -> actions.size() == 4, "four requests sent");
    assertThat(actions).containsExactly("acquire", "acquire", "acquire", "record");
  }

  @Test
  void afterUndeployTheClientAsksTheEventBusAgainInsteadOfAStaleView(Vertx vertx) {
    await(client.acquire("gone"));
    await(vertx.undeploy(deployment));

    assertThatThrownBy(() -> await(client.acquire("gone"))).isInstanceOf(ReplyException.class);
  }
}
