package io.tripstate.metrics;

import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.WindowCounts;
import io.tripstate.fastpath.LocalView;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The metrics of one breaker as a scrape reads them. The owner (the verticle's event loop) is the only writer;
 * a scrape may run on any thread and reads only this cell, never the {@code Breaker}. Counters are written with
 * release stores by their single writer (a plain load, no atomic read-modify-write, no fence on the owner's
 * hot path) and read with acquire loads; the window's figures are one immutable {@link Status}, published
 * through a volatile field, so that a scrape never sees a rate from one moment and a count from another.
 */
final class BreakerCell {
  static final int SUCCESSFUL = 0;
  static final int FAILED = 1;
  static final int IGNORED = 2;
  private static final int NOT_PERMITTED = 3;
  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle DOUBLES = MethodHandles.arrayElementVarHandle(double[].class);

  /** The window's figures at the owner's last refresh. */
  record Status(BreakerState state, float failureRate, float slowCallRate, WindowCounts counts) {
    /** Closed with nothing in its window: most breakers, most of the time, share this one. */
    static final Status IDLE = new Status(BreakerState.CLOSED, -1, -1, new WindowCounts(0, 0, 0, 0));
  }

  private final String name;
  /** {@code name="..."}, escaped once, as every series of this breaker carries it. */
  private final byte[] nameLabel;
  /** Recorded calls by kind ({@link #SUCCESSFUL}, {@link #FAILED}, {@link #IGNORED}), then rejections. */
  private final long[] counts = new long[4];
  /** The summed durations of recorded calls by kind, ms (calls recorded without a duration add 0). */
  private final double[] durationsMs = new double[3];
  private volatile Status status;
  private volatile LocalView.Decisions fastPath;

  /** A cell whose owner {@link #publish}es a status before any scrape can see it. */
  BreakerCell(String name) {
    this.name = name;
    this.nameLabel = ("name=\"" + escape(name) + "\"").getBytes(StandardCharsets.UTF_8);
  }

  String name() {
    return name;
  }

  byte[] nameLabel() {
    return nameLabel;
  }

  /** Owner only. */
  void recorded(Outcome outcome, Double durationMs) {
    int kind = switch (outcome) {
      case SUCCESS -> SUCCESSFUL;
      case FAILURE -> FAILED;
      case IGNORED -> IGNORED;
    };
    LONGS.setRelease(counts, kind, counts[kind] + 1);
    if (durationMs != null && durationMs > 0) {
      DOUBLES.setRelease(durationsMs, kind, durationsMs[kind] + durationMs);
    }
  }

  /** Owner only: an acquire through the owner was not permitted. */
  void rejected() {
    LONGS.setRelease(counts, NOT_PERMITTED, counts[NOT_PERMITTED] + 1);
  }

  /** Owner only. */
  void publish(Status next) {
    status = next.equals(Status.IDLE) ? Status.IDLE : next;
  }

  /** Owner only: where clients count the fast-path decisions of this breaker, once the view has it. */
  void fastPath(LocalView.Decisions decisions) {
    fastPath = decisions;
  }

  boolean hasFastPath() {
    return fastPath != null;
  }

  Status status() {
    return status;
  }

  long calls(int kind) {
    return (long) LONGS.getAcquire(counts, kind);
  }

  double durationSeconds(int kind) {
    return (double) DOUBLES.getAcquire(durationsMs, kind) / 1000.0;
  }

  /** Every call not permitted, through the owner or on the fast path (as Resilience4j counts them). */
  long notPermitted() {
    LocalView.Decisions decisions = fastPath;
    return (long) LONGS.getAcquire(counts, NOT_PERMITTED) + (decisions == null ? 0 : decisions.notPermittedCount());
  }

  long fastPathPermitted() {
    LocalView.Decisions decisions = fastPath;
    return decisions == null ? 0 : decisions.permittedCount();
  }

  long fastPathNotPermitted() {
    LocalView.Decisions decisions = fastPath;
    return decisions == null ? 0 : decisions.notPermittedCount();
  }

  /** A label value as the Prometheus text format wants it: backslash, double quote and line feed escaped. */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
