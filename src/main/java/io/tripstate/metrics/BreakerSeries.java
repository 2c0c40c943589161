package io.tripstate.metrics;

import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.WindowCounts;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;

/**
 * Writes the per-breaker series in the Prometheus text format (version 0.0.4), under Resilience4j 2.4's
 * resilience4j-micrometer names, tags and units, formatted as Micrometer's Prometheus registry formats them
 * (tags sorted by key, gauges and counters as decimals, summary counts as whole numbers).
 *
 * <p>Written by hand rather than as Micrometer meters: with 10,000 breakers, 20 meters each cost ~9 KB of heap
 * per breaker and a 2-3 s scrape, and even the Prometheus client's own snapshot model and text writer took
 * ~150 ms; writing bytes straight from the {@link BreakerCell}s takes a few milliseconds.
 */
final class BreakerSeries {
  private static final String STATE = "resilience4j_circuitbreaker_state";
  private static final String CALLS = "resilience4j_circuitbreaker_calls_seconds";
  private static final String NOT_PERMITTED = "resilience4j_circuitbreaker_not_permitted_calls_total";
  private static final String FAILURE_RATE = "resilience4j_circuitbreaker_failure_rate";
  private static final String SLOW_CALL_RATE = "resilience4j_circuitbreaker_slow_call_rate";
  private static final String BUFFERED = "resilience4j_circuitbreaker_buffered_calls";
  private static final String SLOW = "resilience4j_circuitbreaker_slow_calls";
  private static final String FAST_PATH = "tripstate_fast_path_decisions_total";
  private static final String[] KINDS = {"successful", "failed", "ignored"};
  private static final BreakerState[] STATES = BreakerState.values();
  private static final byte[][] STATE_LABELS = new byte[STATES.length][];
  private static final byte[][] CALL_COUNTS = new byte[KINDS.length][];
  private static final byte[][] CALL_SUMS = new byte[KINDS.length][];
  private static final byte[] ONE = ascii(" 1.0\n");
  private static final byte[] ZERO = ascii(" 0.0\n");

  static {
    for (BreakerState state : STATES) {
      STATE_LABELS[state.ordinal()] = ascii(",state=\"" + state.wireName() + "\"}");
    }
    for (int kind = 0; kind < KINDS.length; kind++) {
      CALL_COUNTS[kind] = ascii(CALLS + "_count{kind=\"" + KINDS[kind] + "\",");
      CALL_SUMS[kind] = ascii(CALLS + "_sum{kind=\"" + KINDS[kind] + "\",");
    }
  }

  private BreakerSeries() {}

  /** Appends every per-breaker family to {@code out}; each family once, with its HELP and TYPE lines. */
  static void write(Collection<BreakerCell> live, Text out) {
    BreakerCell[] cells = live.toArray(new BreakerCell[0]);
    // One status per breaker for the whole scrape, so that its families agree with each other.
    BreakerCell.Status[] statuses = new BreakerCell.Status[cells.length];
    Arrays.setAll(statuses, i -> cells[i].status());

    family(out, STATE, "gauge", "The states of the circuit breaker (1 for the current state)");
    byte[] statePrefix = ascii(STATE + "{");
    for (int i = 0; i < cells.length; i++) {
      for (BreakerState state : STATES) {
        out.bytes(statePrefix).bytes(cells[i].nameLabel()).bytes(STATE_LABELS[state.ordinal()])
            .bytes(statuses[i].state() == state ? ONE : ZERO);
      }
    }
    family(out, CALLS, "summary", "Recorded calls by kind and their summed durations (as reported by callers)");
    for (BreakerCell cell : cells) {
      for (int kind = 0; kind < KINDS.length; kind++) {
        out.bytes(CALL_COUNTS[kind]).bytes(cell.nameLabel()).ascii("} ").whole(cell.calls(kind)).newline();
        out.bytes(CALL_SUMS[kind]).bytes(cell.nameLabel()).ascii("} ").decimal(cell.durationSeconds(kind)).newline();
      }
    }
    family(out, NOT_PERMITTED, "counter", "Total number of not permitted calls");
    byte[] notPermitted = ascii(NOT_PERMITTED + "{kind=\"not_permitted\",");
    for (BreakerCell cell : cells) {
      out.bytes(notPermitted).bytes(cell.nameLabel()).ascii("} ").decimal(cell.notPermitted()).newline();
    }
    family(out, FAILURE_RATE, "gauge", "The failure rate of the circuit breaker, percent (-1 until minimumCalls)");
    rates(out, FAILURE_RATE, cells, statuses, true);
    family(out, SLOW_CALL_RATE, "gauge", "The slow call rate of the circuit breaker, percent (-1 until minimumCalls)");
    rates(out, SLOW_CALL_RATE, cells, statuses, false);
    family(out, BUFFERED, "gauge", "The calls in the circuit breaker's window, by kind");
    byte[] bufferedFailed = ascii(BUFFERED + "{kind=\"failed\",");
    byte[] bufferedSuccessful = ascii(BUFFERED + "{kind=\"successful\",");
    for (int i = 0; i < cells.length; i++) {
      WindowCounts counts = statuses[i].counts();
      out.bytes(bufferedFailed).bytes(cells[i].nameLabel()).ascii("} ").decimal(counts.failures()).newline();
      out.bytes(bufferedSuccessful).bytes(cells[i].nameLabel()).ascii("} ").decimal(counts.successes()).newline();
    }
    family(out, SLOW, "gauge", "The slow calls in the circuit breaker's window, by kind");
    byte[] slowSuccessful = ascii(SLOW + "{kind=\"successful\",");
    byte[] slowFailed = ascii(SLOW + "{kind=\"failed\",");
    for (int i = 0; i < cells.length; i++) {
      WindowCounts counts = statuses[i].counts();
      out.bytes(slowSuccessful).bytes(cells[i].nameLabel()).ascii("} ").decimal(counts.slowSuccesses()).newline();
      out.bytes(slowFailed).bytes(cells[i].nameLabel()).ascii("} ").decimal(counts.slowFailures()).newline();
    }
    family(out, FAST_PATH, "counter", "Decisions made in the caller's thread by BreakerClient's in-process fast path");
    byte[] permitted = ascii(FAST_PATH + "{kind=\"permitted\",");
    byte[] rejected = ascii(FAST_PATH + "{kind=\"not_permitted\",");
    for (BreakerCell cell : cells) {
      out.bytes(permitted).bytes(cell.nameLabel()).ascii("} ").decimal(cell.fastPathPermitted()).newline();
      out.bytes(rejected).bytes(cell.nameLabel()).ascii("} ").decimal(cell.fastPathNotPermitted()).newline();
    }
  }

  private static void rates(Text out, String metric, BreakerCell[] cells, BreakerCell.Status[] statuses,
      boolean failures) {
    byte[] prefix = ascii(metric + "{");
    for (int i = 0; i < cells.length; i++) {
      float rate = failures ? statuses[i].failureRate() : statuses[i].slowCallRate();
      out.bytes(prefix).bytes(cells[i].nameLabel()).ascii("} ").decimal(rate).newline();
    }
  }

  private static void family(Text out, String name, String type, String help) {
    out.ascii("# HELP ").ascii(name).ascii(" ").ascii(help).newline();
    out.ascii("# TYPE ").ascii(name).ascii(" ").ascii(type).newline();
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
