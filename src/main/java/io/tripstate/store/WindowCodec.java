package io.tripstate.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.WindowState;
import io.tripstate.breaker.WindowType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code window} field of a snapshot: {@code {"type": "count", "size", "outcomes": "sfSF..."}} or
 * {@code {"type": "time", "size", "buckets": [[epochSecond, calls, failures, slow], ...]}}. An unreadable
 * window is dropped with a WARN (the breaker keeps its state and starts with an empty window) rather than
 * losing the whole snapshot.
 */
final class WindowCodec {
  private static final Logger LOG = System.getLogger(WindowCodec.class.getName());
  private static final Pattern OUTCOMES = Pattern.compile("[sfSF]*");

  private WindowCodec() {}

  static JsonObject toJson(WindowState window) {
    if (window == null) {
      return null;
    }
    JsonObject json = new JsonObject().put("type", window.type().wireName()).put("size", window.size());
    if (window.type() == WindowType.COUNT) {
      return json.put("outcomes", window.outcomes());
    }
    JsonArray buckets = new JsonArray();
    for (long[] bucket : window.buckets()) {
      buckets.add(new JsonArray().add(bucket[0]).add(bucket[1]).add(bucket[2]).add(bucket[3]));
    }
    return json.put("buckets", buckets);
  }

  static WindowState fromJson(String name, JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    String problem = problem(node);
    if (problem != null) {
      LOG.log(Level.WARNING, "Breaker ''{0}'': stored window ignored ({1}); it starts empty", name, problem);
      return null;
    }
    WindowType type = WindowType.fromWire(node.get("type").asText());
    int size = node.get("size").asInt();
    if (type == WindowType.COUNT) {
      return new WindowState(type, size, node.get("outcomes").asText(), List.of());
    }
    List<long[]> buckets = new ArrayList<>();
    for (JsonNode bucket : node.get("buckets")) {
      buckets.add(new long[] {bucket.get(0).asLong(), bucket.get(1).asLong(), bucket.get(2).asLong(),
          bucket.get(3).asLong()});
    }
    return new WindowState(type, size, "", buckets);
  }

  private static String problem(JsonNode node) {
    if (!node.isObject() || !node.path("type").isTextual() || !node.path("size").canConvertToInt()) {
      return "needs a type and a size";
    }
    WindowType type = WindowType.fromWire(node.get("type").asText());
    int size = node.get("size").asInt();
    if (type == null || type == WindowType.CONSECUTIVE || size < 1 || size > BreakerSettings.MAX_WINDOW_SIZE) {
      return "unknown type or size out of range";
    }
    if (type == WindowType.COUNT) {
      JsonNode outcomes = node.get("outcomes");
      boolean valid = outcomes != null && outcomes.isTextual() && outcomes.asText().length() <= size
          && OUTCOMES.matcher(outcomes.asText()).matches();
      return valid ? null : "outcomes must be at most size letters of s, f, S, F";
    }
    JsonNode buckets = node.get("buckets");
    if (buckets == null || !buckets.isArray() || buckets.size() > size) {
      return "buckets must be an array of at most size entries";
    }
    for (JsonNode bucket : buckets) {
      if (!bucket.isArray() || bucket.size() != 4) {
        return "each bucket must be [epochSecond, calls, failures, slow]";
      }
      for (JsonNode number : bucket) {
        if (!number.canConvertToLong() || number.asLong() < 0 || !number.isIntegralNumber()) {
          return "bucket entries must be whole numbers >= 0";
        }
      }
      if (bucket.get(2).asLong() > bucket.get(1).asLong() || bucket.get(3).asLong() > bucket.get(1).asLong()
          || bucket.get(1).asLong() > Integer.MAX_VALUE) {
        return "a bucket cannot hold more failures or slow calls than calls";
      }
    }
    return null;
  }
}
