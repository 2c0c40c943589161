package io.tripstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tripstate.BreakerClient;
import io.tripstate.support.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link BreakerClient#call} waits for the verticle's answer, whatever timeout the breaker is configured with:
 * the caller gets the target's reply or the verticle's 504, never a time-out of the client's own (after which
 * the verticle would record an outcome and answer nobody).
 */
@ExtendWith(VertxExtension.class)
class BreakerClientCallTimeoutIntegrationTest {
  /** Longer than the 15 s (default call timeout + 5 s) the client used to wait when no timeout was given. */
  private static final long SLOW_REPLY_MS = 15_500;

  private JsonObject config;
  private String target;

  @BeforeEach
  void deploy(Vertx vertx) {
    config = Deployments.config();
    config.getJsonObject("defaults").put("callTimeoutMs", 20_000);
    Deployments.deploy(vertx, config, MutableClock.startingNow());
    target = "slow." + UUID.randomUUID();
    vertx.eventBus().<JsonObject>consumer(target, message -> {
      long delayMs = message.body().getLong("delay_ms");
      if (delayMs > 0) {
        vertx.setTimer(delayMs, id -> message.reply(new JsonObject().put("served", true)));
      }
    });
  }

  @Test
  void aCallWithoutTimeoutGetsTheTargetsReplyWhenTheBreakersCallTimeoutIsLongerThanTheDefault(Vertx vertx) {
    // Given a breaker whose callTimeoutMs (20 s) is above the default, and a client with a short send timeout
    BreakerClient client = BreakerClient.create(vertx, config.getString("address"),
        new DeliveryOptions().setSendTimeout(2_000));

    // When a call without timeout_ms reaches a target that replies after 15.5 s
    Message<Object> reply = client.call("patient", target, new JsonObject().put("delay_ms", SLOW_REPLY_MS), null,
        null).timeout(30, TimeUnit.SECONDS).await();

    // Then the caller gets the target's reply, and the breaker counted a success
    assertThat(((JsonObject) reply.body()).getBoolean("served")).isTrue();
    JsonObject status = client.status("patient").await();
    assertThat(status.getString("state")).isEqualTo("closed");
    assertThat(status.getInteger("failure_count")).isZero();
  }

  @Test
  void aCallWithATimeoutGetsTheVerticles504BeforeTheClientGivesUp(Vertx vertx) {
    // Given a client whose own send timeout (100 ms) is shorter than the call's timeout
    BreakerClient client = BreakerClient.create(vertx, config.getString("address"),
        new DeliveryOptions().setSendTimeout(100));

    // When a call with timeout_ms 300 reaches a target that never replies
    // Then the verticle's 504 arrives, not a time-out of the client's own
    assertThatThrownBy(() -> client.call("silent", target, new JsonObject().put("delay_ms", 0), 300L, null)
        .timeout(10, TimeUnit.SECONDS).await())
        .isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(504);
          assertThat(e.getMessage()).contains("300 ms");
        });
    assertThat(client.status("silent").await().getInteger("failure_count")).isEqualTo(1);
  }
}
