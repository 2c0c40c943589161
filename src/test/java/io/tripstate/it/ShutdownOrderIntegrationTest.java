package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tripstate.BreakerClient;
import io.tripstate.breaker.Outcome;
import io.tripstate.fastpath.LocalView;
import io.tripstate.fastpath.OutcomeQueue;
import io.tripstate.support.Bus;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Undeploying the verticle loses no accepted work, in this order: (a) it stops taking requests and fast-path
 * outcomes, (b) records every outcome the fast path already accepted, (c) lets the {@code call}s in flight
 * finish or time out, (d) writes what is pending to Redis, (e) then closes its Redis connections.
 */
@ExtendWith(VertxExtension.class)
class ShutdownOrderIntegrationTest {
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();

  private JsonObject config(int failureThreshold) {
    JsonObject config = Deployments.config(redis.url());
    config.getJsonObject("defaults").put("failureThreshold", failureThreshold);
    config.getJsonObject("persistence").put("counterFlushMs", 60_000);
    return config;
  }

  private static LocalView view(Vertx vertx, JsonObject config) {
    return LocalView.find(LocalView.views(vertx), config.getString("address"));
  }

  private static int connectedClients(String url) {
    String info = io.tripstate.support.Resp.command(url, "INFO", "clients");
    return info.lines().filter(line -> line.startsWith("connected_clients:"))
        .mapToInt(line -> Integer.parseInt(line.substring("connected_clients:".length()).trim()))
        .findFirst().orElseThrow();
  }

  @Test
  void whileACallIsInFlightStopRefusesNewRequestsAndWaitsThenWritesItsTransition(Vertx vertx) {
    // Given a call whose target holds its answer
    JsonObject config = config(1);
    String deployment = Deployments.deploy(vertx, config, Clock.systemUTC()).deploymentID();
    BreakerClient client = BreakerClient.create(vertx, config.getString("address"));
    Promise<Message<Object>> held = Promise.promise();
    await(vertx.eventBus().consumer("target.held", held::tryComplete).completion());
    Future<Message<Object>> call = client.call("held", "target.held", "ping", 5_000L, null);
    Message<Object> request = await(held.future());
    OutcomeQueue queue = view(vertx, config).outcomes();

    // When the verticle is undeployed
    Future<Void> undeployed = vertx.undeploy(deployment);

    // Then (a) it takes nothing new while it waits for the call
    Awaitility.await().atMost(PATIENCE).until(() -> view(vertx, config) == null);
    ReplyException refused = Deployments.bus(vertx, config).refuse("acquire", new JsonObject().put("name", "x"));
    assertThat(refused.failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
    assertThat(queue.offer("held", Outcome.SUCCESS, 0)).as("fast-path outcomes go to the event bus").isFalse();
    assertThat(undeployed.isComplete()).as("still waiting for the call in flight").isFalse();

    // And (c) the call ends normally, its transition reaches Redis before the connection closes
    request.fail(500, "target down");
    assertThatThrownBy(() -> await(call)).isInstanceOf(ReplyException.class).hasMessage("target down")
        .satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(500));
    await(undeployed);
    JsonObject stored = Deployments.stored(config, "held");
    assertThat(stored).as("the call's transition was written").isNotNull();
    assertThat(stored.getString("state")).isEqualTo("open");
  }

  @Test
  void aCallThatTimesOutDuringStopCountsAsAFailureThatIsWritten(Vertx vertx) {
    // Given a call to a target that never answers, with a short timeout
    JsonObject config = config(1);
    String deployment = Deployments.deploy(vertx, config, Clock.systemUTC()).deploymentID();
    Promise<Void> arrived = Promise.promise();
    await(vertx.eventBus().consumer("target.silent", message -> arrived.tryComplete()).completion());
    Future<Message<Object>> call = BreakerClient.create(vertx, config.getString("address"))
        .call("silent", "target.silent", "ping", 400L, null);
    await(arrived.future());

    // When the verticle is undeployed before the call timed out
    await(vertx.undeploy(deployment));

    // Then the caller got its 504 and the breaker the call opened is in Redis
    assertThat(call.isComplete()).as("the undeploy waited for the call's timeout").isTrue();
    assertThat(((ReplyException) call.cause()).failureCode()).isEqualTo(504);
    JsonObject stored = Deployments.stored(config, "silent");
    assertThat(stored).as("the timed-out call's transition was written").isNotNull();
    assertThat(stored.getString("state")).isEqualTo("open");
  }

  @Test
  void everyFastPathOutcomeAcceptedBeforeStopIsCountedAndWritten(Vertx vertx) throws InterruptedException {
    // Given a producer that hands failures to the fast path as fast as it can, up to a bound
    JsonObject config = config(1_000_000);
    String deployment = Deployments.deploy(vertx, config, Clock.systemUTC()).deploymentID();
    Bus bus = Deployments.bus(vertx, config);
    bus.record("busy", "failure");
    LocalView view = view(vertx, config);
    OutcomeQueue queue = view.outcomes();
    AtomicInteger accepted = new AtomicInteger(1); // the record above
    AtomicBoolean refused = new AtomicBoolean();
    Thread producer = new Thread(() -> {
      while (accepted.get() < 900_000) {
        // A duration keeps every outcome in a slot of its own: no runs, so the owner works per outcome.
        if (queue.offer("busy", Outcome.FAILURE, 1)) {
          accepted.incrementAndGet();
        } else if (!view.isOpen()) {
          refused.set(true);
          return;
        }
      }
    });
    producer.start();
    // Undeploy as soon as the producer is under way, so that it is still offering while the verticle stops.
    Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(PATIENCE)
        .until(() -> accepted.get() > 1_000);

    // When the verticle is undeployed while outcomes keep coming
    await(vertx.undeploy(deployment));
    producer.join(PATIENCE.toMillis());

    // Then (b) every accepted outcome was counted and (d) written before the connection closed
    JsonObject stored = Deployments.stored(config, "busy");
    assertThat(stored.getInteger("failure_count")).isEqualTo(accepted.get());
    assertThat(refused.get()).as("the producer was still offering when the verticle stopped taking outcomes")
        .isTrue();
  }

  @Test
  void aCounterChangedJustBeforeStopIsFlushedThenTheRedisConnectionsAreClosed(Vertx vertx) {
    // Given a counter change that would wait a minute for its write
    JsonObject config = config(5);
    String deployment = Deployments.deploy(vertx, config, Clock.systemUTC()).deploymentID();
    Deployments.bus(vertx, config).record("counted", "failure");
    int whileServing = connectedClients(redis.url());

    // When the verticle is undeployed
    await(vertx.undeploy(deployment));

    // Then (d) the counter is in Redis and (e) no connection of the verticle is left
    assertThat(Deployments.stored(config, "counted").getInteger("failure_count")).isEqualTo(1);
    assertThat(whileServing).as("the verticle's connection plus this probe").isGreaterThan(1);
    Awaitility.await().atMost(PATIENCE).until(() -> connectedClients(redis.url()) == 1);
  }
}
