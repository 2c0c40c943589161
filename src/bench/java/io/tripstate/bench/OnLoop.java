package io.tripstate.bench;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The on-loop harness of section 2: runs a batch of N operations inside one task on one Vert.x event loop and
 * blocks the calling (JMH) thread until every one of them has completed. With
 * {@code @OperationsPerInvocation(N)}, JMH's time per operation is (N operations on the loop + one hop to the
 * loop and back) / N; {@code OnLoopBenchmark.onLoopBaseline} measures the hop and the counting alone.
 *
 * <p>Why: vertx-circuit-breaker expects {@code execute} to be called on a Vert.x thread. Called from JMH's own
 * threads, each call schedules work on a context, the caller outruns the event loop and the queue grows until
 * the heap runs out. Here every call is made on the loop, and the next batch starts only after every
 * operation of the previous one completed, so nothing can pile up across invocations.
 *
 * <p>A broken harness must not report a fake speed: each operation reports its completion ({@link #count} for
 * a synchronous one, {@link #track} for a {@code Future}), and {@link #run} throws unless exactly N completed,
 * all with the expected outcome, all on the loop's thread, within {@value #TIMEOUT_S} s.
 */
final class OnLoop {
  static final int TIMEOUT_S = 30;

  /** N operations, run on the loop; each must report its completion through {@code loop}. */
  interface Batch {
    void run(OnLoop loop, int n);
  }

  private final Context context;
  private final Thread thread;
  private final Handler<AsyncResult<Object>> onComplete = result -> count(result.succeeded());

  // Confined to the loop's thread: no locks or atomics on the measured path. The JMH thread reads them only
  // after `done` completed, which orders the loop's writes before its reads.
  private CompletableFuture<Void> done;
  private int expected;
  private int succeeded;
  private int failed;
  private boolean inBatch;
  private long completions;
  private long completionsInBatch;

  private OnLoop(Context context, Thread thread) {
    this.context = context;
    this.thread = thread;
  }

  /** A Vert.x with 2 event loops (this machine has 2 cores): enough for a verticle and a caller on separate loops. */
  static Vertx vertx() {
    return Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(2)).build();
  }

  /** The harness on a new event-loop context of {@code vertx} (call it from a thread that is not Vert.x's). */
  static OnLoop start(Vertx vertx) {
    if (Vertx.currentContext() != null) {
      throw new IllegalStateException("start the harness from a plain thread: it needs a context of its own");
    }
    Context context = vertx.getOrCreateContext();
    CompletableFuture<Thread> thread = new CompletableFuture<>();
    context.runOnContext(v -> thread.complete(Thread.currentThread()));
    return new OnLoop(context, thread.join());
  }

  Context context() {
    return context;
  }

  Thread thread() {
    return thread;
  }

  /** Runs {@code batch} on the loop and waits until all {@code n} operations completed as expected. */
  void run(int n, boolean expectSuccess, Batch batch) {
    CompletableFuture<Void> signal = new CompletableFuture<>();
    context.runOnContext(v -> {
      done = signal;
      expected = n;
      succeeded = 0;
      failed = 0;
      inBatch = true;
      try {
        batch.run(this, n);
      } catch (RuntimeException | Error e) {
        signal.completeExceptionally(e);
      } finally {
        inBatch = false;
      }
    });
    try {
      signal.get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      // Read without ordering: good enough for the message of a run that is failing anyway.
      throw new IllegalStateException("only " + (succeeded + failed) + " of " + n + " operations completed in "
          + TIMEOUT_S + " s: the harness or the library under test is broken", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the batch failed on the loop: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the loop", e);
    }
    int wanted = expectSuccess ? succeeded : failed;
    if (wanted != n) {
      throw new IllegalStateException(n + " operations, " + succeeded + " succeeded and " + failed
          + " failed; expected all to " + (expectSuccess ? "succeed" : "fail"));
    }
  }

  /** Reports the completion of a synchronous operation. */
  void count(boolean success) {
    if (Thread.currentThread() != thread) {
      done.completeExceptionally(new IllegalStateException("a completion ran on "
          + Thread.currentThread().getName() + ", not on the harness's loop " + thread.getName()));
      return;
    }
    if (success) {
      succeeded++;
    } else {
      failed++;
    }
    completions++;
    if (inBatch) {
      completionsInBatch++;
    }
    if (succeeded + failed == expected) {
      done.complete(null);
    }
  }

  /** Reports the completion of {@code future} when it completes, as a caller's handler would. */
  @SuppressWarnings("unchecked")
  void track(Future<?> future) {
    ((Future<Object>) future).onComplete(onComplete);
  }

  /**
   * Where the completions ran, for the log: in the batch's own task, or in later tasks of the loop. Starts
   * with a line break: JMH prints a trial's tear-down output in the middle of its last "Iteration" line.
   */
  String report(String what) {
    // Runs after the last invocation completed; hop to the loop so that its writes are visible here.
    CompletableFuture<String> text = new CompletableFuture<>();
    context.runOnContext(v -> text.complete(String.format("%n[on-loop] %s on %s: %,d completions, %,d of them"
        + " inside the batch's own task, %,d in later tasks", what, thread.getName(), completions,
        completionsInBatch, completions - completionsInBatch)));
    return text.join();
  }
}
