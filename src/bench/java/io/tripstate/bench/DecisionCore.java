package io.tripstate.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link DecisionCoreBenchmark} (called from JMH's threads), {@link OnLoopBenchmark} (called on a Vert.x
 * event loop, the {@code onLoop*} rows, with ratios against Resilience4j under the same harness) and
 * {@link OnTwoLoopsBenchmark} (the same from two loops sharing a breaker, {@code twoLoops*}) through the
 * JMH Runner API: forked JVMs (one fork), {@code -prof gc} for allocation per operation; prints the JMH output
 * and a table with ratios against Resilience4j. The forks inherit this JVM's class path, so start it with the
 * test class path of the {@code bench} profile.
 *
 * <p>{@code --quick}: shorter warm-up and measurement. {@code -Dbench.include=REGEX}: only the benchmarks whose
 * full name matches (e.g. {@code -Dbench.include=onLoop}); the summary marks the others missing.
 */
public final class DecisionCore {
  // --quick (overridable for experiments: -Dbench.quick.wi, .w, .i, .r; milliseconds for w and r).
  private static final int QUICK_WARMUPS = Integer.getInteger("bench.quick.wi", 12);
  private static final int QUICK_WARMUP_MS = Integer.getInteger("bench.quick.w", 100);
  private static final int QUICK_MEASUREMENTS = Integer.getInteger("bench.quick.i", 5);
  private static final int QUICK_MEASUREMENT_MS = Integer.getInteger("bench.quick.r", 100);
  private static final double WARMING_FACTOR = 1.3;

  private DecisionCore() {}

  public static void main(String[] args) throws RunnerException {
    boolean quick = Summary.quick(args);
    String only = System.getProperty("bench.include", "");
    List<RunResult> results = new ArrayList<>(run(DecisionCoreBenchmark.class, only, quick));
    results.addAll(run(OnLoopBenchmark.class, only, quick));
    results.addAll(run(OnTwoLoopsBenchmark.class, only, quick));
    Map<String, double[]> byName = new HashMap<>();
    for (RunResult result : results) {
      String name = result.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.') + 1);
      double alloc = Double.NaN;
      double others = Double.NaN;
      for (Map.Entry<String, Result> secondary : result.getSecondaryResults().entrySet()) {
        if (secondary.getKey().endsWith("gc.alloc.rate.norm")) {
          alloc = secondary.getValue().getScore();
        } else if (secondary.getKey().equals(ContentionProfiler.LABEL)) {
          others = secondary.getValue().getScore();
        }
      }
      Result primary = result.getPrimaryResult();
      byName.put(name, new double[] {primary.getScore(), primary.getScoreError(), alloc,
          result.getParams().getThreads(), others, stillWarming(result) ? 1 : 0});
    }
    Summary summary = new Summary("2-decision-core", "Decision core (JMH, 1 fork, ns per operation per thread)",
        "benchmark", "threads", "ns/op", "± error", "B/op",
        "vs Resilience4j (same path, 1 thread; onLoop rows: on the loop too)", "others' CPU (cores)");
    String[][] rows = {
        {"tripstateClosedPairCount100", "pair"}, {"tripstateClosedPairConsecutive", "pair"},
        {"resilience4jClosedPair", "pair"}, {"resilience4jExecuteSupplier", "pair"},
        {"resilience4jClosedPair2Threads", "pair"},
        {"tripstateOpenReject", "reject"}, {"resilience4jOpenReject", "reject"},
        {"resilience4jOpenReject2Threads", "reject"},
        {"tripstateFastPathAcquire", "pair"}, {"tripstateFastPathExecute", "pair"},
        {"tripstateFastPathExecuteTimed", "pair"}, {"tripstateFastPathExecute2Threads", "pair"},
        {"tripstateFastPathExecuteMetricsOff", "pair"}, {"tripstateFastPathExecuteOpen", "reject"},
        {"onLoopBaseline", "loopPair"}, {"onLoopDirectCall", "loopPair"}, {"onLoopResilience4jPair", "loopPair"}, {"onLoopTripstatePair", "loopPair"},
        {"onLoopTripstateExecute", "loopPair"}, {"onLoopVertxExecute", "loopPair"},
        {"onLoopVertxExecuteNoTimeout", "loopPair"}, {"twoLoopsResilience4jPair", "loopPair"},
        {"twoLoopsVertxExecute", "loopPair"}, {"onLoopResilience4jOpenReject", "loopReject"},
        {"onLoopTripstateOpenReject", "loopReject"}, {"onLoopVertxOpenReject", "loopReject"}};
    for (String[] row : rows) {
      double[] r = byName.get(row[0]);
      if (r == null) {
        summary.row(row[0], "-", "missing", "", "", "", "");
        continue;
      }
      String anchorName = switch (row[1]) {
        case "pair" -> "resilience4jClosedPair";
        case "reject" -> "resilience4jOpenReject";
        case "loopPair" -> "onLoopResilience4jPair";
        default -> "onLoopResilience4jOpenReject";
      };
      double[] anchor = byName.get(anchorName);
      String ratio = Summary.ratio(r[0], anchor == null ? Double.NaN : anchor[0]);
      String doubt = quick ? doubt(r, "") : "";
      if (doubt.isEmpty() && quick && anchor != null && anchor != r) {
        doubt = doubt(anchor, "its anchor ");
      }
      summary.row(row[0], (int) r[3], String.format("%.1f", r[0]), String.format("%.1f", r[1]),
          String.format("%.0f", r[2]), ratio + (doubt.isEmpty() ? "" : " (not comparable: " + doubt + ")"),
          Contention.format(r[4]));
    }
    if (quick) {
      summary.note("--quick: " + QUICK_WARMUPS + " x " + QUICK_WARMUP_MS + " ms warm-up, " + QUICK_MEASUREMENTS
          + " x " + QUICK_MEASUREMENT_MS + " ms measured. A ratio is labelled not comparable (with the full "
          + "run's) when its row or its anchor was still getting faster while measured (the first two iterations "
          + "over " + WARMING_FACTOR + "x the last two) or when other processes took more than "
          + Contention.MAX_OTHERS_CORES + " cores meanwhile (the bench got a smaller share of the CPU).");
    }
    summary.note("Pairs: tripstate `acquire(now)` + `record(SUCCESS, permit, null, now)`; Resilience4j "
        + "`tryAcquirePermission()` + `onSuccess(0, ns)` (COUNT_BASED, 100); tripstateFastPath*: `BreakerClient` "
        + "with a verticle in the same Vert.x, `execute` of an already completed `Future`; vertx-circuit-breaker "
        + "(onLoop only) `execute` of an already completed `Future` (default options: 10 s timeout, one timer per "
        + "call; NoTimeout: timeout -1). tripstate's Breaker is confined to one thread by design, so it runs at 1 "
        + "thread only. "
        + "onLoop*: " + OnLoopBenchmark.N + " operations per invocation in one task on a Vert.x event loop, the "
        + "JMH thread waiting for all of them to complete (counted); ratios against Resilience4j under the same "
        + "harness (onLoopResilience4jPair, onLoopResilience4jOpenReject for rejections); onLoopBaseline is the "
        + "harness alone, included in every onLoop figure; onLoopDirectCall is the call without a breaker (its "
        + "completed Future tracked like an execute's), the floor under every execute row; B/op counts every "
        + "thread of the JVM.");
    summary.write();
  }

  /** One JMH run of the benchmarks in {@code type} whose full name also matches {@code only}; none if none do. */
  private static Collection<RunResult> run(Class<?> type, String only, boolean quick)
      throws RunnerException {
    // JMH ORs its includes, so "in this class and matching `only`" is one pattern (find() on the full name).
    String include = "^(?=.*(?:" + only + "))" + Pattern.quote(type.getName() + ".");
    Options options = new OptionsBuilder()
        .include(include)
        .forks(1)
        // Full: every benchmark settles within its second warm-up second (checked per iteration in the logs).
        .warmupIterations(quick ? QUICK_WARMUPS : 3)
        .warmupTime(TimeValue.milliseconds(quick ? QUICK_WARMUP_MS : 1_000))
        .measurementIterations(quick ? QUICK_MEASUREMENTS : 5)
        .measurementTime(TimeValue.milliseconds(quick ? QUICK_MEASUREMENT_MS : 1_000))
        .jvmArgsAppend("-Xms512m", "-Xmx512m")
        .addProfiler("gc")
        .addProfiler(ContentionProfiler.class)
        .timeUnit(TimeUnit.NANOSECONDS)
        .build();
    try {
      return new Runner(options).run();
    } catch (NoBenchmarksException e) {
      return List.of();
    }
  }

  /** Why a quick figure is not comparable with the full run's ("" if it is): r as built in main. */
  private static String doubt(double[] r, String whose) {
    if (r[5] > 0) {
      return whose + "still warming up";
    }
    if (r[4] > Contention.MAX_OTHERS_CORES) {
      return "other processes took " + Contention.format(r[4]) + " cores during " + (whose.isEmpty() ? "it" : whose);
    }
    return "";
  }

  /** Still getting faster while measured: the first two iterations' mean over WARMING_FACTOR x the last two's. */
  private static boolean stillWarming(RunResult result) {
    List<Double> scores = new ArrayList<>();
    for (BenchmarkResult fork : result.getBenchmarkResults()) {
      for (IterationResult iteration : fork.getIterationResults()) {
        scores.add(iteration.getPrimaryResult().getScore());
      }
    }
    int n = scores.size();
    if (n < 4) {
      return false;
    }
    return (scores.get(0) + scores.get(1)) > WARMING_FACTOR * (scores.get(n - 2) + scores.get(n - 1));
  }
}
