package io.tripstate.bench;

import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;
import org.openjdk.jmh.runner.IterationType;

/**
 * A JMH profiler reporting {@link Contention} per measured iteration as the secondary result
 * {@value #LABEL} (cores taken by other processes, averaged over the iterations). It reads two small /proc
 * files before and after each iteration, outside the measured time, so it changes no figure.
 */
public final class ContentionProfiler implements InternalProfiler {
  static final String LABEL = "others.cpu";
  private Contention interval;

  @Override
  public String getDescription() {
    return "CPU taken by other processes during each measured iteration, in cores";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
    interval = Contention.start();
  }

  @Override
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmark, IterationParams iteration,
      IterationResult result) {
    if (iteration.getType() != IterationType.MEASUREMENT || interval == null) {
      return List.of();
    }
    double cores = interval.othersCores();
    return Double.isNaN(cores) ? List.of() : List.of(new ScalarResult(LABEL, cores, "cores", AggregationPolicy.AVG));
  }
}
