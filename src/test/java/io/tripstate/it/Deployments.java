package io.tripstate.it;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.Resp;
import io.tripstate.support.TestRedis;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.UUID;

/** Test configs with keys and addresses of their own, so that tests never collide. */
final class Deployments {
  private Deployments() {}

  /** A config against the shared test Redis, with a random key prefix and event-bus addresses. */
  static JsonObject config() {
    return config(TestRedis.url());
  }

  static JsonObject config(String redisUrl) {
    String id = UUID.randomUUID().toString().substring(0, 8);
    return new JsonObject()
        .put("address", "tripstate." + id)
        .put("transitionsAddress", "tripstate." + id + ".transitions")
        .put("redis", new JsonObject().put("connectionString", redisUrl))
        .put("persistence", new JsonObject()
            .put("keyPrefix", "test:" + id + ":")
            .put("retryMs", 100)
            .put("counterFlushMs", 100))
        .put("defaults", new JsonObject().put("failureThreshold", 2).put("resetTimeoutMs", 60_000));
  }

  static BreakerVerticle deploy(Vertx vertx, JsonObject config, Clock clock) {
    BreakerVerticle verticle = new BreakerVerticle(clock);
    Bus.await(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)));
    return verticle;
  }

  /** Deploys a verticle and returns a blocking client of its API. */
  static Bus serve(Vertx vertx, JsonObject config, Clock clock) {
    deploy(vertx, config, clock);
    return bus(vertx, config);
  }

  static String key(JsonObject config, String name) {
    return config.getJsonObject("persistence").getString("keyPrefix") + name + ":state";
  }

  /** The snapshot stored in the config's Redis for a breaker, read independently of the code under test. */
  static JsonObject stored(JsonObject config, String name) {
    String url = config.getJsonObject("redis").getString("connectionString");
    String value = Resp.command(url, "GET", key(config, name));
    return value == null ? null : new JsonObject(value);
  }

  static Bus bus(Vertx vertx, JsonObject config) {
    return new Bus(vertx, config.getString("address"));
  }
}
