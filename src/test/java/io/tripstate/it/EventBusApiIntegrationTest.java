package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tripstate.BreakerClient;
import io.tripstate.BreakerVerticle;
import io.tripstate.breaker.Outcome;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The event-bus contract: actions, replies, failure codes, transition events, single ownership. */
@ExtendWith(VertxExtension.class)
class EventBusApiIntegrationTest {
  private final MutableClock clock = MutableClock.startingNow();
  private JsonObject config;
  private Bus bus;

  @BeforeEach
  void deploy(Vertx vertx) {
    config = Deployments.config().put("maxBreakers", 3);
    Deployments.deploy(vertx, config, clock);
    bus = Deployments.bus(vertx, config);
  }

  @Test
  void acquireRecordStatusAndResetFollowTheContract() {
    JsonObject permitted = bus.acquire("orders");
    assertThat(permitted.getString("name")).isEqualTo("orders");
    assertThat(permitted.getBoolean("permitted")).isTrue();
    assertThat(permitted.getString("state")).isEqualTo("closed");
    assertThat(permitted.getString("permit")).isNotBlank();

    JsonObject recorded = bus.send("record", new JsonObject().put("name", "orders").put("outcome", "failure")
        .put("permit", permitted.getString("permit")).put("duration_ms", 12.5));
    assertThat(recorded).isEqualTo(new JsonObject().put("name", "orders").put("state", "closed"));
    assertThat(bus.record("orders", "failure").getString("state")).isEqualTo("open");

    JsonObject rejected = bus.acquire("orders");
    assertThat(rejected.getBoolean("permitted")).isFalse();
    assertThat(rejected.getString("state")).isEqualTo("open");
    assertThat(rejected.getLong("retry_after_ms")).isEqualTo(60_000);
    assertThat(rejected.containsKey("permit")).isFalse();

    JsonObject status = bus.status("orders");
    assertThat(status.fieldNames()).contains("name", "state", "failure_count", "opened_at", "half_open_attempts",
        "version", "updated_at", "retry_after_ms");

    JsonObject reset = bus.send("reset", new JsonObject().put("name", "orders"));
    assertThat(reset.getString("state")).isEqualTo("closed");
    assertThat(reset.getInteger("failure_count")).isZero();
    assertThat(reset.getLong("version")).isGreaterThan(status.getLong("version"));
  }

  @Test
  void statusOfAllListsEveryBreakerAndThePersistenceHealth() {
    bus.acquire("b");
    bus.acquire("a");

    JsonObject all = bus.statusAll();

    JsonArray breakers = all.getJsonArray("breakers");
    assertThat(breakers).hasSize(2);
    assertThat(breakers.getJsonObject(0).getString("name")).isEqualTo("a");
    assertThat(all.getJsonObject("persistence").fieldNames())
        .contains("enabled", "connected", "pending_writes", "failed_writes", "last_error");
  }

  static Stream<Arguments> badRequests() {
    String tooLong = "x".repeat(129);
    return Stream.of(
        Arguments.of("acquire", "not json", 400, "JSON object"),
        Arguments.of("acquire", null, 400, "JSON object"),
        Arguments.of("acquire", new JsonArray().add(1), 400, "JSON object"),
        Arguments.of("acquire", new JsonObject(), 400, "missing 'name'"),
        Arguments.of("acquire", new JsonObject().put("name", 42), 400, "'name' must be a string"),
        Arguments.of("acquire", new JsonObject().put("name", "has space"), 400, "invalid name"),
        Arguments.of("acquire", new JsonObject().put("name", tooLong), 400, "invalid name"),
        Arguments.of("acquire", new JsonObject().put("name", ""), 400, "invalid name"),
        Arguments.of(null, new JsonObject().put("name", "a"), 400, "missing 'action'"),
        Arguments.of("explode", new JsonObject().put("name", "a"), 400, "unknown action 'explode'"),
        Arguments.of("record", new JsonObject().put("name", "a"), 400, "'outcome'"),
        Arguments.of("record", new JsonObject().put("name", "a").put("outcome", "maybe"), 400, "'maybe'"),
        Arguments.of("record", new JsonObject().put("name", "a").put("outcome", "success").put("permit", 7), 400,
            "'permit' must be a string"),
        Arguments.of("record", new JsonObject().put("name", "a").put("outcome", "success").put("duration_ms", -1),
            400, "'duration_ms'"),
        Arguments.of("status", new JsonObject().put("name", "ghost"), 404, "no breaker named 'ghost'"),
        Arguments.of("reset", new JsonObject().put("name", "ghost"), 404, "no breaker named 'ghost'"),
        Arguments.of("reset", new JsonObject(), 400, "missing 'name'"));
  }

  @ParameterizedTest
  @MethodSource("badRequests")
  void refusesABadRequestWithItsCodeAndAMessageThatSaysWhy(String action, Object body, int code, String message) {
    ReplyException failure = bus.refuse(action, body);

    assertThat(failure.failureCode()).isEqualTo(code);
    assertThat(failure.getMessage()).contains(message);
    assertThat(bus.acquire("still-serving").getBoolean("permitted")).isTrue();
  }

  @Test
  void refusesANewNameBeyondMaxBreakersWith429() {
    bus.acquire("one");
    bus.acquire("two");
    bus.acquire("three");

    ReplyException failure = bus.refuse("acquire", new JsonObject().put("name", "four"));

    assertThat(failure.failureCode()).isEqualTo(429);
    assertThat(failure.getMessage()).contains("'four'").contains("maxBreakers");
    assertThat(bus.acquire("one").getBoolean("permitted")).isTrue();
  }

  @Test
  void publishesEveryTransitionWithTheVersionRedisStoresItAs(Vertx vertx) {
    // Given a listener on the transitions address
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    await(vertx.eventBus().<JsonObject>consumer(config.getString("transitionsAddress"), message ->
        events.add(message.body())).completion());
    BreakerClient client = BreakerClient.create(vertx, config.getString("address"));

    // When a breaker opens
    await(client.record("events", Outcome.FAILURE, null, null));
    assertThat(await(client.record("events", Outcome.FAILURE, null, null))).isEqualTo("open");

    // Then one event says so, with the version under which Redis stores the open state
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1
        && Deployments.stored(config, "events") != null
        && "open".equals(Deployments.stored(config, "events").getString("state")));
    JsonObject event = events.get(0);
    assertThat(event.getString("name")).isEqualTo("events");
    assertThat(event.getString("from")).isEqualTo("closed");
    assertThat(event.getString("to")).isEqualTo("open");
    assertThat(event.getDouble("at")).isEqualTo(clock.millis() / 1000.0);
    assertThat(event.getString("reason")).isEqualTo("failure_threshold");
    assertThat(event.getLong("version")).isPositive().isEqualTo(Deployments.stored(config, "events").getLong("version"));
  }

  @Test
  void refusesASecondOwnerOfTheSameAddress(Vertx vertx) {
    assertThatThrownBy(() -> Deployments.deploy(vertx, config, clock))
        .hasMessageContaining("already owns event-bus address");
    assertThat(bus.acquire("still-owned").getBoolean("permitted")).isTrue();
  }

  @Test
  void refusesToDeployWithMoreThanOneInstance(Vertx vertx) {
    JsonObject other = Deployments.config();
    DeploymentOptions options = new DeploymentOptions().setConfig(other).setInstances(2);

    assertThatThrownBy(() -> await(vertx.deployVerticle(BreakerVerticle.class.getName(), options)))
        .hasMessageContaining("instances = 1");
  }

  @Test
  void refusesAnInvalidConfigNamingTheKey(Vertx vertx) {
    JsonObject bad = Deployments.config();
    bad.getJsonObject("persistence").put("commandTimeoutMs", -5);

    assertThatThrownBy(() -> Deployments.deploy(vertx, bad, clock))
        .hasMessageContaining("persistence.commandTimeoutMs").hasMessageContaining("-5");
  }

  @Test
  void deploysByClassNameWithDefaultsForEverythingButRedis(Vertx vertx) {
    JsonObject minimal = new JsonObject().put("address", "by-name." + System.nanoTime())
        .put("redis", Deployments.config().getJsonObject("redis"));

    String id = await(vertx.deployVerticle("io.tripstate.BreakerVerticle", new DeploymentOptions().setConfig(minimal)));

    assertThat(id).isNotBlank();
    assertThat(new Bus(vertx, minimal.getString("address")).acquire("x").getBoolean("permitted")).isTrue();
  }
}
