package io.tripstate.topology;

import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** Verticle configs for topology tests: their own addresses and key prefix, a given redis section. */
final class TopologyConfigs {
  private TopologyConfigs() {}

  /** A config with random addresses and key prefix, retrying Redis every 100 ms. */
  static JsonObject config(JsonObject redis) {
    String id = UUID.randomUUID().toString().substring(0, 8);
    return new JsonObject()
        .put("address", "tripstate." + id)
        .put("transitionsAddress", "tripstate." + id + ".transitions")
        .put("redis", redis)
        .put("persistence", new JsonObject().put("keyPrefix", "test:" + id + ":").put("retryMs", 100));
  }

  static String key(JsonObject config, String name) {
    return config.getJsonObject("persistence").getString("keyPrefix") + name + ":state";
  }
}
