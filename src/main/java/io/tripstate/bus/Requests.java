package io.tripstate.bus;

import io.tripstate.breaker.Names;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.Permits;
import io.vertx.core.json.JsonObject;

/** Reads and validates request fields; every refusal is a 400 whose message names the field. */
final class Requests {
  private Requests() {}

  /**
   * The body as a JSON object within the limits of {@link JsonLimits}: at most {@code maxBytes}
   * ({@code maxRequestBytes}) as estimated JSON, at most {@value JsonLimits#MAX_DEPTH} levels deep.
   */
  static JsonObject body(Object body, long maxBytes) {
    JsonObject json = body(body);
    String problem = JsonLimits.check(json, maxBytes);
    if (problem != null) {
      throw new ApiException(ApiError.BAD_REQUEST, "the body is " + problem);
    }
    return json;
  }

  /** The body as a JSON object, of any size. */
  static JsonObject body(Object body) {
    if (body instanceof JsonObject json) {
      return json;
    }
    String kind = body == null ? "empty" : "a " + body.getClass().getSimpleName();
    throw new ApiException(ApiError.BAD_REQUEST, "the body must be a JSON object, was " + kind);
  }

  /** The {@code name} field, required and valid. */
  static String name(JsonObject body) {
    Object value = body.getValue("name");
    if (value == null) {
      throw new ApiException(ApiError.BAD_REQUEST, "missing 'name'");
    }
    if (!(value instanceof String name)) {
      throw new ApiException(ApiError.BAD_REQUEST, "'name' must be a string, was " + typeOf(value));
    }
    if (!Names.isValid(name)) {
      throw new ApiException(ApiError.BAD_REQUEST, "invalid name '" + Action.clip(name)
          + "': use 1 to 128 of A-Z a-z 0-9 . _ : @ / -");
    }
    return name;
  }

  static Outcome outcome(JsonObject body) {
    Object value = body.getValue("outcome");
    Outcome outcome = value instanceof String text ? Outcome.fromWire(text) : null;
    if (outcome == null) {
      String shown = value == null ? "missing" : value instanceof String s ? "'" + Action.clip(s) + "'" : typeOf(value);
      throw new ApiException(ApiError.BAD_REQUEST,
          "'outcome' must be \"success\", \"failure\" or \"ignored\", was " + shown);
    }
    return outcome;
  }

  /** The optional {@code permit}: a string handed out by {@code acquire} (of this instance or another). */
  static Long permit(JsonObject body, Permits permits) {
    Object value = body.getValue("permit");
    if (value == null) {
      return null;
    }
    if (value instanceof String text) {
      try {
        return permits.parse(text);
      } catch (IllegalArgumentException e) {
        throw new ApiException(ApiError.BAD_REQUEST, "'permit' '" + Action.clip(text)
            + "' is not a permit handed out by acquire");
      }
    }
    throw new ApiException(ApiError.BAD_REQUEST, "'permit' must be a string, was " + typeOf(value));
  }

  /** The optional {@code duration_ms}: a number of milliseconds, at least 0. */
  static Double durationMs(JsonObject body) {
    Object value = body.getValue("duration_ms");
    if (value == null) {
      return null;
    }
    if (value instanceof Number number && number.doubleValue() >= 0 && Double.isFinite(number.doubleValue())) {
      return number.doubleValue();
    }
    throw new ApiException(ApiError.BAD_REQUEST, "'duration_ms' must be a number of milliseconds >= 0, was "
        + (value instanceof Number ? value : typeOf(value)));
  }

  /** An optional positive whole number of milliseconds ({@code duration_ms} of force_open, {@code timeout_ms}). */
  static Long positiveMillis(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (value instanceof Number number && number.doubleValue() >= 1 && number.doubleValue() <= 1e12
        && number.doubleValue() == Math.rint(number.doubleValue())) {
      return number.longValue();
    }
    throw new ApiException(ApiError.BAD_REQUEST, "'" + field + "' must be a whole number of milliseconds >= 1, was "
        + (value instanceof Number ? value : typeOf(value)));
  }

  /** An optional whole number between {@code min} and {@code max}; {@code defaultValue} when absent. */
  static int wholeNumber(JsonObject body, String field, int min, int max, int defaultValue) {
    Object value = body.getValue(field);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Number number && number.doubleValue() >= min && number.doubleValue() <= max
        && number.doubleValue() == Math.rint(number.doubleValue())) {
      return number.intValue();
    }
    throw new ApiException(ApiError.BAD_REQUEST, "'" + field + "' must be a whole number from " + min + " to " + max
        + ", was " + (value instanceof Number ? value : typeOf(value)));
  }

  /** The {@code address} of a call: a non-empty string. */
  static String address(JsonObject body) {
    Object value = body.getValue("address");
    if (value instanceof String address && !address.isBlank()) {
      return address;
    }
    throw new ApiException(ApiError.BAD_REQUEST, "'address' must be a non-empty string, was "
        + (value == null ? "missing" : typeOf(value)));
  }

  private static String typeOf(Object value) {
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof io.vertx.core.json.JsonArray) {
      return "an array";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    return "a " + value.getClass().getSimpleName();
  }
}
