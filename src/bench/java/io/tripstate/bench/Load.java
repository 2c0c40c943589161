package io.tripstate.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A closed-loop load generator: {@code inFlight} requests outstanding at all times, each started again as soon
 * as the previous one completes, from one verticle's event loop. Warms up, then measures for a fixed time;
 * latency from start to completion, in nanoseconds.
 */
final class Load {
  private static final int MAX_SAMPLES = 8_000_000;

  /** othersCores: CPU taken by other processes during the run (warm-up included), see {@link Contention}. */
  record Result(double perSecond, long p50Ns, long p99Ns, long p999Ns, long errors, double othersCores) {
    Result withOthersCores(double cores) {
      return new Result(perSecond, p50Ns, p99Ns, p999Ns, errors, cores);
    }

    String us(long ns) {
      return String.format("%.1f", ns / 1_000.0);
    }
  }

  private Load() {}

  /** A verticle that stays deployed so that every run drives load from the same event loop. */
  static final class Host extends VerticleBase {
    Context context() {
      return context;
    }
  }

  static Result run(Host host, int inFlight, long warmupMs, long measureMs, Supplier<Future<?>> op) {
    Driver driver = new Driver(host.context(), inFlight, warmupMs, measureMs, op);
    Contention contention = Contention.start();
    host.context().runOnContext(v -> driver.start());
    return driver.done.future().await().withOthersCores(contention.othersCores());
  }

  private static final class Driver {
    final Context context;
    final Vertx vertx;
    final int inFlight;
    final long warmupMs;
    final long measureMs;
    final Supplier<Future<?>> op;
    final Promise<Result> done = Promise.promise();
    final long[] samples = new long[MAX_SAMPLES];
    int count;
    long completed;
    long errors;
    boolean measuring;
    boolean stopping;
    int outstanding;
    long measureStart;
    long measureEnd;

    Driver(Context context, int inFlight, long warmupMs, long measureMs, Supplier<Future<?>> op) {
      this.context = context;
      this.vertx = context.owner();
      this.inFlight = inFlight;
      this.warmupMs = warmupMs;
      this.measureMs = measureMs;
      this.op = op;
    }

    void start() {
      vertx.setTimer(warmupMs, t -> {
        measuring = true;
        measureStart = System.nanoTime();
        vertx.setTimer(measureMs, t2 -> {
          measuring = false;
          stopping = true;
          measureEnd = System.nanoTime();
        });
      });
      for (int i = 0; i < inFlight; i++) {
        next();
      }
    }

    private void next() {
      if (stopping) {
        if (outstanding == 0) {
          finish();
        }
        return;
      }
      outstanding++;
      long started = System.nanoTime();
      Future<?> future = op.get();
      boolean completedAtOnce = future.isComplete();
      future.onComplete(result -> {
        outstanding--;
        if (measuring) {
          if (result.failed()) {
            errors++;
          }
          completed++;
          if (count < samples.length) {
            samples[count++] = System.nanoTime() - started;
          }
        }
        // Never recurse: a future completed at once calls back at once, so go through the event loop then.
        if (completedAtOnce) {
          context.runOnContext(v -> next());
        } else {
          next();
        }
      });
    }

    private void finish() {
      if (done.future().isComplete()) {
        return;
      }
      long[] sorted = Arrays.copyOf(samples, count);
      Arrays.sort(sorted);
      double seconds = (measureEnd - measureStart) / 1e9;
      done.complete(new Result(completed / seconds, pct(sorted, 0.50), pct(sorted, 0.99), pct(sorted, 0.999),
          errors, Double.NaN));
    }

    private static long pct(long[] sorted, double p) {
      return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
    }
  }
}
