package io.tripstate.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The size and depth limits of a request body ({@code maxRequestBytes}, {@value #MAX_DEPTH} levels).
 *
 * <p>The size is an estimate of the encoded JSON in UTF-8 bytes (compact, escapes at their longest),
 * summed while walking the body, so nothing is encoded or copied. The sum only grows, so the walk stops as
 * soon as it passes the limit; every value costs at least one byte, so the cost of a check is bounded by the
 * limit, never by the body (a 10 MB string is refused after one {@code length()}). The walk keeps its own
 * stack: a deep body cannot overflow the thread's.
 *
 * <p>Besides JSON values, a body sent on the local event bus may hold {@code Map}, {@code List},
 * {@code byte[]}, {@code Buffer} and {@code Instant} values; they are counted as Vert.x would encode them
 * (binary as base64). A value of any other type counts as {@value #OTHER_VALUE_BYTES} bytes.
 *
 * <p>Most requests are a few short scalars, far below any limit: those are passed on a bound of their
 * largest possible encoding (every character escaped) without the walk, which was a noticeable share of the
 * cost of an {@code acquire}. A body the bound cannot clear is walked as usual.
 */
final class JsonLimits {
  /** The deepest nesting accepted: the body itself is level 1, each object or array inside adds one. */
  static final int MAX_DEPTH = 64;
  private static final int OTHER_VALUE_BYTES = 16;
  /** {@code "+1000000000-12-31T23:59:59.999999999Z"} and its quotes. */
  private static final int INSTANT_BYTES = 40;
  /** The most one character takes: a control character, escaped as backslash, u and four hex digits. */
  private static final int MAX_CHAR_BYTES = 6;
  /** The longest boxed primitive number as text, e.g. {@code -2.2250738585072014E-308}. */
  private static final int MAX_NUMBER_BYTES = 24;

  private JsonLimits() {}

  /**
   * Checks a body against the limits.
   *
   * @return {@code null} when the body is within them, else what is wrong, e.g. "larger than
   *     maxRequestBytes (65536 bytes, estimated as JSON)"
   */
  static String check(JsonObject body, long maxBytes) {
    return surelyFits(body.getMap(), maxBytes) ? null : walk(body, maxBytes);
  }

  /** The full check, without the shortcut of {@link #surelyFits}. */
  static String walk(JsonObject body, long maxBytes) {
    return new Walk(maxBytes).run(body);
  }

  /**
   * Whether a body of strings, booleans, nulls and boxed primitive numbers only fits even at its largest
   * possible encoding; {@code false} says nothing (the walk decides). Reads lengths only, no characters.
   */
  private static boolean surelyFits(Map<String, Object> members, long maxBytes) {
    long bytes = 2;
    for (Map.Entry<String, Object> member : members.entrySet()) {
      String key = member.getKey();
      if (key == null) {
        return false;
      }
      Object value = member.getValue();
      long valueBytes;
      if (value instanceof String text) {
        valueBytes = 2L + (long) MAX_CHAR_BYTES * text.length();
      } else if (value == null || value instanceof Boolean) {
        valueBytes = 5;
      } else if (value instanceof Integer || value instanceof Long || value instanceof Double
          || value instanceof Float || value instanceof Short || value instanceof Byte) {
        valueBytes = MAX_NUMBER_BYTES;
      } else {
        return false;
      }
      // The quoted key, a colon, the value and a comma (or the closing brace).
      bytes += 2L + (long) MAX_CHAR_BYTES * key.length() + 1 + valueBytes + 1;
      if (bytes > maxBytes) {
        return false;
      }
    }
    return bytes <= maxBytes;
  }

  /** The members of an open container; an object's are its entries. */
  private record Open(Iterator<?> members, boolean object) {}

  /** One walk over a body: a stack of open containers and the bytes counted so far. */
  private static final class Walk {
    private final long maxBytes;
    private final Deque<Open> open = new ArrayDeque<>();
    private long bytes;

    Walk(long maxBytes) {
      this.maxBytes = maxBytes;
    }

    String run(Object body) {
      if (!enter(body)) {
        return problem();
      }
      while (!open.isEmpty()) {
        Open container = open.peek();
        if (!container.members().hasNext()) {
          open.pop();
          continue;
        }
        Object value = container.members().next();
        // Each member is followed by a comma, or by the closing bracket when it is the last one.
        bytes += 1;
        if (container.object()) {
          Map.Entry<?, ?> entry = (Map.Entry<?, ?>) value;
          bytes += keyBytes(entry.getKey(), maxBytes - bytes) + 1;
          value = entry.getValue();
        }
        if (!enter(value)) {
          return problem();
        }
      }
      return null;
    }

    /** Counts a value; opens it when it is a container. Returns false once a limit is passed. */
    private boolean enter(Object value) {
      Iterator<?> members = members(value);
      if (members != null) {
        if (open.size() >= MAX_DEPTH) {
          return false;
        }
        if (members.hasNext()) {
          open.push(new Open(members, value instanceof JsonObject || value instanceof Map));
          bytes += 1;
        } else {
          bytes += 2;
        }
      } else {
        bytes += scalarBytes(value, maxBytes - bytes);
      }
      return bytes <= maxBytes;
    }

    private String problem() {
      return bytes > maxBytes
          ? "larger than maxRequestBytes (" + maxBytes + " bytes, estimated as JSON)"
          : "nested deeper than " + MAX_DEPTH + " levels";
    }

    /** The members of a container (raw values, not the wrapped ones Vert.x's getters make), else null. */
    private static Iterator<?> members(Object value) {
      if (value instanceof JsonObject json) {
        return json.getMap().entrySet().iterator();
      }
      if (value instanceof JsonArray json) {
        return json.getList().iterator();
      }
      if (value instanceof Map<?, ?> map) {
        return map.entrySet().iterator();
      }
      if (value instanceof List<?> list) {
        return list.iterator();
      }
      return null;
    }

    private static long keyBytes(Object key, long budget) {
      return key instanceof CharSequence text ? stringBytes(text, budget) : OTHER_VALUE_BYTES;
    }
  }

  /** The encoded size of a non-container value; at least the budget plus one when it is over budget. */
  private static long scalarBytes(Object value, long budget) {
    if (value == null) {
      return 4;
    }
    if (value instanceof CharSequence text) {
      return stringBytes(text, budget);
    }
    if (value instanceof Boolean flag) {
      return flag ? 4 : 5;
    }
    if (value instanceof Number number) {
      return numberBytes(number);
    }
    if (value instanceof byte[] binary) {
      return base64Bytes(binary.length);
    }
    if (value instanceof Buffer buffer) {
      return base64Bytes(buffer.length());
    }
    if (value instanceof Instant) {
      return INSTANT_BYTES;
    }
    if (value instanceof Enum<?> constant) {
      return constant.name().length() + 2L;
    }
    return OTHER_VALUE_BYTES;
  }

  /**
   * A string with quotes in UTF-8, escapes counted at their longest. A string whose length alone passes the
   * budget is not read at all; otherwise at most the budget in characters is read.
   */
  private static long stringBytes(CharSequence text, long budget) {
    int length = text.length();
    long bytes = 2L + length;
    if (bytes > budget) {
      return bytes;
    }
    for (int i = 0; i < length && bytes <= budget; i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        bytes += 1;
      } else if (c < 0x20) {
        bytes += 5;
      } else if (c >= 0x80) {
        // Two bytes up to U+07FF, three beyond; a surrogate pair makes four, two per half.
        bytes += c < 0x800 || Character.isSurrogate(c) ? 1 : 2;
      }
    }
    return bytes;
  }

  private static long numberBytes(Number number) {
    if (number instanceof Integer || number instanceof Long || number instanceof Short || number instanceof Byte) {
      long value = number.longValue();
      long bytes = value < 0 ? 2 : 1;
      for (long rest = value / 10; rest != 0; rest /= 10) {
        bytes++;
      }
      return bytes;
    }
    if (number instanceof Double || number instanceof Float) {
      return Double.toString(number.doubleValue()).length();
    }
    if (number instanceof BigInteger big) {
      return decimalDigits(big) + 1;
    }
    if (number instanceof BigDecimal big) {
      // Written as toString() does: the digits, a point and at most an exponent of 11 characters.
      return decimalDigits(big.unscaledValue()) + 13;
    }
    return OTHER_VALUE_BYTES;
  }

  private static long decimalDigits(BigInteger value) {
    return (long) (value.bitLength() * 0.30103) + 1;
  }

  private static long base64Bytes(long length) {
    return (length + 2) / 3 * 4 + 2;
  }
}
