package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tripstate.BreakerClient;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The call action: one request protects an event-bus service, for every outcome of the target. */
@ExtendWith(VertxExtension.class)
class CallActionIntegrationTest {
  private final MutableClock clock = MutableClock.startingNow();
  private JsonObject config;
  private Bus bus;
  private String target;

  @BeforeEach
  void deploy(Vertx vertx) {
    config = Deployments.config().put("defaults", new JsonObject().put("failureThreshold", 2)
        .put("resetTimeoutMs", 60_000).put("failureCodes", new JsonArray().add(429)));
    Deployments.deploy(vertx, config, clock);
    bus = Deployments.bus(vertx, config);
    target = "target." + UUID.randomUUID();
    vertx.eventBus().<JsonObject>consumer(target, message -> {
      JsonObject body = message.body();
      switch (body.getString("do")) {
        case "echo" -> message.reply(new JsonObject().put("echo", body).put("trace", message.headers().get("trace"))
            .put("action_header", message.headers().get("action")),
            new DeliveryOptions().addHeader("served-by", "target"));
        case "fail" -> message.fail(body.getInteger("code"), "target says " + body.getInteger("code"));
        default -> { } // never answers
      }
    });
  }

  private JsonObject call(String name, JsonObject body) {
    return new JsonObject().put("name", name).put("address", target).put("body", body);
  }

  private ReplyException refusedCall(String name, JsonObject body) {
    return bus.refuse("call", call(name, body));
  }

  @Test
  void passesTheTargetsReplyAndHeadersAndCountsASuccess(Vertx vertx) {
    BreakerClient client = BreakerClient.create(vertx, config.getString("address"));
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("trace", "abc");

    Message<Object> reply = await(client.call("echoes", target, new JsonObject().put("do", "echo"), null, headers));

    JsonObject body = (JsonObject) reply.body();
    assertThat(body.getJsonObject("echo").getString("do")).isEqualTo("echo");
    assertThat(body.getString("trace")).as("caller's headers reach the target").isEqualTo("abc");
    assertThat(body.getString("action_header")).as("but not the action header").isNull();
    assertThat(reply.headers().get("served-by")).isEqualTo("target");
    assertThat(bus.status("echoes").getString("state")).isEqualTo("closed");
  }

  @Test
  void passesATargetFailureOf500OrMoreThroughAndCountsIt() {
    JsonObject boom = new JsonObject().put("do", "fail").put("code", 503);

    ReplyException first = refusedCall("server-errors", boom);
    refusedCall("server-errors", boom);

    assertThat(first.failureCode()).isEqualTo(503);
    assertThat(first.getMessage()).isEqualTo("target says 503");
    assertThat(bus.status("server-errors").getString("state")).isEqualTo("open");
  }

  @Test
  void passesACallersMistakeThroughAsASuccess() {
    JsonObject mistake = new JsonObject().put("do", "fail").put("code", 404);

    for (int i = 0; i < 5; i++) {
      assertThat(refusedCall("client-errors", mistake).failureCode()).isEqualTo(404);
    }

    assertThat(bus.status("client-errors").getString("state")).isEqualTo("closed");
    assertThat(bus.status("client-errors").getInteger("failure_count")).isZero();
  }

  @Test
  void countsACodeListedInFailureCodesAsAFailure() {
    JsonObject throttled = new JsonObject().put("do", "fail").put("code", 429);

    refusedCall("throttled", throttled);
    refusedCall("throttled", throttled);

    assertThat(bus.status("throttled").getString("state")).isEqualTo("open");
  }

  @Test
  void answers504AndCountsAFailureWhenTheTargetDoesNotReplyInTime() {
    JsonObject silent = new JsonObject().put("do", "nothing");

    ReplyException failure = bus.refuse("call", call("silent", silent).put("timeout_ms", 200));

    assertThat(failure.failureCode()).isEqualTo(504);
    assertThat(failure.getMessage()).contains("200 ms");
    assertThat(bus.status("silent").getInteger("failure_count")).isEqualTo(1);
  }

  @Test
  void answers503AndCountsAFailureWhenNoHandlerListens() {
    JsonObject request = new JsonObject().put("name", "nobody").put("address", "no.such.address")
        .put("body", new JsonObject());

    ReplyException failure = bus.refuse("call", request);

    assertThat(failure.failureCode()).isEqualTo(503);
    assertThat(failure.getMessage()).contains("no.such.address");
    assertThat(bus.status("nobody").getInteger("failure_count")).isEqualTo(1);
  }

  @Test
  void answers503NamingTheBreakerAndRetryAfterWhenOpenWithoutCallingTheTarget() {
    JsonObject boom = new JsonObject().put("do", "fail").put("code", 500);
    refusedCall("guarded", boom);
    refusedCall("guarded", boom);

    ReplyException failure = refusedCall("guarded", new JsonObject().put("do", "echo"));

    assertThat(failure.failureCode()).isEqualTo(503);
    assertThat(failure.getMessage()).contains("'guarded'").contains("open").contains("retry after 60000 ms");
  }

  @Test
  void aProtectedServiceOpensBacksOffAndRecovers(Vertx vertx) {
    JsonObject story = Deployments.config().put("defaults", new JsonObject().put("failureThreshold", 2)
        .put("resetTimeoutMs", 1_000).put("backoff", new JsonObject().put("multiplier", 2.0)
            .put("maxResetTimeoutMs", 8_000)));
    Bus storyBus = Deployments.serve(vertx, story, clock);
    AtomicBoolean healthy = new AtomicBoolean();
    String service = "service." + UUID.randomUUID();
    vertx.eventBus().<JsonObject>consumer(service, m -> {
      if (healthy.get()) {
        m.reply(new JsonObject().put("ok", true));
      } else {
        m.fail(500, "down");
      }
    });
    JsonObject call = new JsonObject().put("name", "inventory").put("address", service).put("body", new JsonObject());

    storyBus.refuse("call", call);
    storyBus.refuse("call", call);
    assertThat(storyBus.status("inventory").getString("state")).as("opened").isEqualTo("open");
    for (long openTime : new long[] {1_000, 2_000, 4_000}) {
      assertThat(storyBus.status("inventory").getLong("retry_after_ms")).isEqualTo(openTime);
      assertThat(storyBus.refuse("call", call).getMessage()).contains("retry after " + openTime + " ms");
      clock.advanceMillis(openTime);
      assertThat(storyBus.refuse("call", call).getMessage()).as("the trial fails").isEqualTo("down");
    }
    assertThat(storyBus.status("inventory").getLong("retry_after_ms")).as("backed off").isEqualTo(8_000);

    healthy.set(true);
    clock.advanceMillis(8_000);

    assertThat(storyBus.send("call", call).getBoolean("ok")).isTrue();
    assertThat(storyBus.status("inventory").getString("state")).as("recovered").isEqualTo("closed");
    assertThat(storyBus.status("inventory").getLong("open_timeout_ms")).isEqualTo(1_000);
  }

  @Test
  void refusesACallWithoutAValidAddress() {
    assertThat(bus.refuse("call", new JsonObject().put("name", "x")).failureCode()).isEqualTo(400);
    assertThat(bus.refuse("call", new JsonObject().put("name", "x").put("address", 5)).failureCode())
        .isEqualTo(400);
    assertThat(bus.refuse("call", new JsonObject().put("name", "x").put("address", "a").put("timeout_ms", 0))
        .failureCode()).isEqualTo(400);
  }
}
