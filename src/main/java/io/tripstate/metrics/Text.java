package io.tripstate.metrics;

import io.vertx.core.buffer.Buffer;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte array for the exposition text (an {@link OutputStream}, so that Micrometer's registry can
 * write into it too). Whole numbers are written digit by digit, without an intermediate string: a scrape of
 * 10,000 breakers writes some 200,000 of them.
 */
final class Text extends OutputStream {
  private static final double LARGEST_EXACT_WHOLE = 1e15;

  private byte[] bytes;
  private int length;

  Text(int capacity) {
    bytes = new byte[Math.max(16, capacity)];
  }

  @Override
  public void write(int b) {
    room(1);
    bytes[length++] = (byte) b;
  }

  @Override
  public void write(byte[] source, int offset, int count) {
    room(count);
    System.arraycopy(source, offset, bytes, length, count);
    length += count;
  }

  Text bytes(byte[] source) {
    write(source, 0, source.length);
    return this;
  }

  /** Appends text known to be ASCII (metric names, fixed texts). */
  Text ascii(String text) {
    room(text.length());
    for (int i = 0; i < text.length(); i++) {
      bytes[length++] = (byte) text.charAt(i);
    }
    return this;
  }

  Text newline() {
    write('\n');
    return this;
  }

  /** A whole number as {@code 12}. */
  Text whole(long value) {
    if (value < 0) {
      return ascii(Long.toString(value));
    }
    int digits = 1;
    for (long rest = value / 10; rest > 0; rest /= 10) {
      digits++;
    }
    room(digits);
    for (int i = length + digits - 1; i >= length; i--) {
      bytes[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    length += digits;
    return this;
  }

  /** A count as Micrometer's Prometheus registry writes a gauge or counter: {@code 12.0}. */
  Text decimal(long value) {
    return whole(value).ascii(".0");
  }

  /** A number as Micrometer's Prometheus registry writes a gauge or counter: {@code 12.0}, {@code 33.25}. */
  Text decimal(double value) {
    if (value == Math.rint(value) && Math.abs(value) < LARGEST_EXACT_WHOLE) {
      return whole((long) value).ascii(".0");
    }
    return ascii(Double.toString(value));
  }

  /** A float (a rate) with the digits a float has: {@code 33.333332}, not {@code 33.33333206176758}. */
  Text decimal(float value) {
    if (value == Math.rint(value)) {
      return decimal((double) value);
    }
    return ascii(Float.toString(value));
  }

  int length() {
    return length;
  }

  Buffer toBuffer() {
    return Buffer.buffer(length).appendBytes(bytes, 0, length);
  }

  @Override
  public String toString() {
    return new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8);
  }

  private void room(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
