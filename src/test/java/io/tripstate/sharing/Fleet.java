package io.tripstate.sharing;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Several app instances in one JVM, each a Vert.x of its own (its own event bus, as separate processes would
 * have) with a {@code BreakerVerticle} deployed, sharing one Redis and key prefix.
 */
final class Fleet implements AutoCloseable {
  final RedisServerProcess redis;
  final String prefix;
  final List<Member> members = new ArrayList<>();

  /** One instance: its Vert.x, its id, a blocking client of its API, and the transitions it published. */
  static final class Member {
    final Vertx vertx;
    final String id;
    final JsonObject config;
    final Bus bus;
    final List<JsonObject> events = new CopyOnWriteArrayList<>();
    String deployment;

    Member(Vertx vertx, String id, JsonObject config) {
      this.vertx = vertx;
      this.id = id;
      this.config = config;
      this.bus = new Bus(vertx, config.getString("address"));
      vertx.eventBus().<JsonObject>consumer(config.getString("transitionsAddress"), m -> events.add(m.body()));
    }

    /** The breaker's state here, or {@code null} while this instance does not know it (404). */
    String state(String name) {
      try {
        return bus.status(name).getString("state");
      } catch (RuntimeException e) {
        return null;
      }
    }

    /** Sends a request that may be refused (e.g. a reset of a breaker this instance does not know yet). */
    void trySend(String action, JsonObject body) {
      try {
        bus.send(action, body);
      } catch (RuntimeException e) {
        // refused: the random walk goes on
      }
    }

    void undeploy() {
      Bus.await(vertx.undeploy(deployment));
      deployment = null;
    }

    void deploy() {
      deployment = Bus.await(vertx.deployVerticle(new BreakerVerticle(Clock.systemUTC()),
          new DeploymentOptions().setConfig(config)));
    }
  }

  Fleet(RedisServerProcess redis) {
    this.redis = redis;
    this.prefix = "fleet:" + UUID.randomUUID().toString().substring(0, 8) + ":";
  }

  /** The config every instance shares; {@code id} is the instance's. */
  JsonObject config(String id) {
    return new JsonObject()
        .put("address", "tripstate")
        .put("transitionsAddress", "tripstate.transitions")
        .put("redis", new JsonObject().put("connectionString", redis.url()))
        .put("persistence", new JsonObject().put("keyPrefix", prefix).put("retryMs", 100).put("commandTimeoutMs", 500))
        .put("sharing", new JsonObject().put("enabled", true).put("instanceId", id).put("resyncMs", 1_000)
            .put("heartbeatMs", 200))
        .put("defaults", new JsonObject().put("failureThreshold", 3).put("resetTimeoutMs", 60_000)
            .put("permitTimeoutMs", 2_000));
  }

  /** Starts {@code count} instances, {@code a}, {@code b}, ..., with {@code tune} applied to each config. */
  Fleet start(int count, java.util.function.Consumer<JsonObject> tune) {
    for (int i = 0; i < count; i++) {
      String id = String.valueOf((char) ('a' + members.size()));
      JsonObject config = config(id);
      tune.accept(config);
      Member member = new Member(Vertx.vertx(), id, config);
      member.deploy();
      members.add(member);
    }
    return this;
  }

  Member get(int index) {
    return members.get(index);
  }

  String key(String name) {
    return prefix + name + ":state";
  }

  /** What Redis holds for a breaker, read over a connection of the test's own. */
  JsonObject stored(String name) {
    String value = redis.command("GET", key(name));
    return value == null ? null : new JsonObject(value);
  }

  @Override
  public void close() {
    for (Member member : members) {
      Bus.await(member.vertx.close());
    }
  }
}
