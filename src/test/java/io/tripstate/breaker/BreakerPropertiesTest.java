package io.tripstate.breaker;

import static io.tripstate.breaker.BreakerState.FORCED_OPEN;
import static io.tripstate.breaker.BreakerState.HALF_OPEN;
import static io.tripstate.breaker.BreakerState.OPEN;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Invariants of one breaker over random sequences of operations with random settings. The breaker is driven
 * through {@link BreakerRegistry}, as in production (time is applied before every operation), by a clock that
 * only moves forward. Every property replays the sequence and checks its rule after every step; a failure
 * names the step and prints the trace of the steps up to it.
 */
@StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
class BreakerPropertiesTest {
  private static final String NAME = "svc";
  private static final long T0 = 1_700_000_000_000L;
  private static final long PERMIT_SEED = 1_000;
  private static final long RESTORE_SEED = 1_000_000_000L;
  private static final int TRIES = 1_000;


  @Property(tries = TRIES)
  void neverPermitsWhileOpenBeforeItsTimeIsUpNorWhileForcedOpen(@ForAll("scenarios") Scenario scenario) {
    Run run = Run.play(scenario);

    boolean sawOpenWithTimeLeft = false;
    for (Step step : run.steps()) {
      if (step.decision() == null) {
        continue;
      }
      BreakerState met = step.stateMetByAcquire();
      long timeLeft = step.timeLeftMetByAcquire();
      if (met == OPEN && timeLeft > 0) {
        sawOpenWithTimeLeft = true;
        assertThat(step.decision().permitted()).as(() -> run.trace(step)).isFalse();
        assertThat(step.decision().retryAfterMs()).as(() -> run.trace(step)).isEqualTo(timeLeft);
      }
      if (met == FORCED_OPEN) {
        assertThat(step.decision().permitted()).as(() -> run.trace(step)).isFalse();
      }
    }
    Statistics.label("an acquire met an open breaker with time left").collect(sawOpenWithTimeLeft)
        .coverage(checker -> checker.check(true).percentage(p -> p >= 12));
  }

  @Property(tries = TRIES)
  void neverHasMoreThanHalfOpenMaxCallsTrialsOutstanding(@ForAll("scenarios") Scenario scenario) {
    Run run = Run.play(scenario);

    int most = 0;
    for (Step step : run.steps()) {
      Observed after = step.after();
      assertThat(after.halfOpenAttempts()).as(() -> run.trace(step))
          .isLessThanOrEqualTo(scenario.settings().halfOpenMaxCalls());
      if (after.state() != HALF_OPEN) {
        assertThat(after.halfOpenAttempts()).as(() -> run.trace(step) + "trials are out only in half_open")
            .isZero();
      }
      most = Math.max(most, after.halfOpenAttempts());
    }
    Statistics.label("trials out at once reached halfOpenMaxCalls")
        .collect(most == scenario.settings().halfOpenMaxCalls())
        .coverage(checker -> checker.check(true).percentage(p -> p >= 6));
  }

  @Property(tries = TRIES)
  void versionOnlyGrowsAndGrowsWithEveryTransition(@ForAll("scenarios") Scenario scenario) {
    Run run = Run.play(scenario);

    for (Step step : run.steps()) {
      long previous = step.before().version();
      for (Transition transition : step.transitions()) {
        assertThat(transition.version()).as(() -> run.trace(step)).isGreaterThan(previous);
        previous = transition.version();
      }
      if (step.counterChanges() > 0) {
        assertThat(step.after().version()).as(() -> run.trace(step)).isGreaterThan(step.before().version());
      }
      assertThat(step.after().version()).as(() -> run.trace(step)).isGreaterThanOrEqualTo(previous);
    }
  }

  @Property(tries = TRIES)
  void restoringAnySnapshotGivesBackTheSameObservableState(@ForAll("scenarios") Scenario scenario) {
    Run run = Run.play(scenario);

    boolean comparedAcquires = false;
    for (Step step : run.steps()) {
      for (Restored restored : step.restores()) {
        Supplier<String> where = () -> run.trace(step) + "restored " + restored.when() + ": ";
        assertThat(restored.copy().halfOpenAttempts()).as(where).as("a restore drops trials").isZero();
        assertThat(restored.copy().withoutTrials()).as(where).isEqualTo(restored.live().withoutTrials());
        assertThat(restored.copyTimeLeft()).as(where).isEqualTo(restored.liveTimeLeft());
        if (restored.liveDecision() != null && restored.live().halfOpenAttempts() == 0) {
          comparedAcquires = true;
          assertThat(answer(restored.copyDecision())).as(where).isEqualTo(answer(restored.liveDecision()));
        }
      }
    }
    Statistics.label("compared acquire answers").collect(comparedAcquires)
        .coverage(checker -> checker.check(true).percentage(p -> p >= 50));
  }

  @Property(tries = TRIES)
  void recordRejectedForItsPermitChangesNothing(@ForAll("scenarios") Scenario scenario) {
    Run run = Run.play(scenario);

    boolean sawRejection = false;
    for (Step step : run.steps()) {
      if (step.rejection() == null) {
        continue;
      }
      assertThat(step.counterChanges()).as(() -> run.trace(step)).isZero();
      if (step.transitions().isEmpty()) {
        sawRejection = true;
        assertThat(step.after()).as(() -> run.trace(step)).isEqualTo(step.before());
      } else {
        // Time was due before the record: only what tick() does may have happened, never the record.
        assertThat(step.transitions()).as(() -> run.trace(step)).extracting(Transition::reason)
            .allMatch(reason -> reason.equals("trial_expired") || reason.equals("forced_open_elapsed"));
      }
    }
    Statistics.label("a rejected record with nothing due").collect(sawRejection)
        .coverage(checker -> checker.check(true).percentage(p -> p >= 30));
  }

  @Property(tries = TRIES)
  void everyTransitionIsLegalAndEndsInTheStateTheBreakerIsIn(@ForAll("scenarios") Scenario scenario) {
    Run run = Run.play(scenario);

    for (Step step : run.steps()) {
      BreakerState current = step.before().state();
      for (Transition transition : step.transitions()) {
        assertThat(Breaker.isLegal(transition.from(), transition.to())).as(() -> run.trace(step) + transition)
            .isTrue();
        assertThat(transition.from()).as(() -> run.trace(step) + transition).isEqualTo(current);
        current = transition.to();
      }
      assertThat(step.after().state()).as(() -> run.trace(step) + "every change of state is reported")
          .isEqualTo(current);
    }
  }

  /** Not one of issue 3's list, but its promise that an expired trial is processed when its time is up. */
  @Property(tries = TRIES)
  void registryTimerNeverLeavesADeadlineOverdue(@ForAll("scenarios") Scenario scenario) {
    Run run = Run.play(scenario);

    for (Step step : run.steps()) {
      assertThat(step.registryNextDeadline()).as(() -> run.trace(step))
          .isLessThanOrEqualTo(step.breakerNextDeadline());
      if (step.op() instanceof RegistryAdvance) {
        assertThat(step.breakerNextDeadline()).as(() -> run.trace(step)).isGreaterThan(step.nowMs());
      }
    }
  }

  // ---- generators

  @Provide
  Arbitrary<Scenario> scenarios() {
    return Combinators.combine(settings(), operations().list().ofMinSize(1).ofMaxSize(80)
        .withSizeDistribution(RandomDistribution.uniform())).as(Scenario::new);
  }

  private static Arbitrary<BreakerSettings> settings() {
    Arbitrary<BreakerSettings.Window> window = Combinators.combine(Arbitraries.of(WindowType.class),
        Arbitraries.integers().between(1, 10), Arbitraries.integers().between(1, 10))
        .as(BreakerSettings.Window::new);
    // Small thresholds weighted up, so that consecutive windows open often enough to reach half_open.
    Arbitrary<Integer> consecutiveFailures = Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.integers().between(1, 3)), Tuple.of(1, Arbitraries.integers().between(1, 10)));
    Arbitrary<BreakerSettings.Builder> core = Combinators.combine(window, consecutiveFailures,
        Arbitraries.integers().between(1, 100), Arbitraries.integers().between(1, 100),
        Arbitraries.longs().between(1, 20_000), Arbitraries.integers().between(1, 3),
        Arbitraries.integers().between(1, 3), Arbitraries.longs().between(1, 30_000))
        .as((w, failureThreshold, failureRate, slowRate, resetMs, halfOpenMax, successes, permitTimeoutMs) ->
            BreakerSettings.builder().window(w).failureThreshold(failureThreshold).failureRateThreshold(failureRate)
                .slowCallRateThreshold(slowRate).resetTimeoutMs(resetMs).halfOpenMaxCalls(halfOpenMax)
                .successThreshold(successes).permitTimeoutMs(permitTimeoutMs));
    Arbitrary<Double> multiplier = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(1.0)),
        Tuple.of(3, Arbitraries.doubles().between(1.0, 3.0).ofScale(2)));
    return Combinators.combine(core, Arbitraries.longs().between(1, 5_000), multiplier,
        Arbitraries.integers().between(1, 20))
        .as((builder, slowMs, factor, maxFactor) -> {
          BreakerSettings partial = builder.slowCallDurationMs(slowMs).build();
          return partial.toBuilder().backoff(factor, partial.resetTimeoutMs() * maxFactor).build();
        });
  }

  private static Arbitrary<Op> operations() {
    Arbitrary<PermitRef> permits = Arbitraries.frequencyOf(
        Tuple.of(30, Arbitraries.just((PermitRef) new Earlier(0))),
        Tuple.of(20, Arbitraries.integers().between(1, 8).map(back -> (PermitRef) new Earlier(back))),
        Tuple.of(35, Arbitraries.just((PermitRef) new NoPermit())),
        Tuple.of(15, Arbitraries.of(0L, -5L, PERMIT_SEED + 1_000_000L, Long.MAX_VALUE)
            .map(value -> (PermitRef) new Bogus(value))));
    Arbitrary<Op> records = Combinators.combine(
        Arbitraries.frequencyOf(Tuple.of(35, Arbitraries.just(Outcome.SUCCESS)),
            Tuple.of(55, Arbitraries.just(Outcome.FAILURE)), Tuple.of(10, Arbitraries.just(Outcome.IGNORED))),
        permits, Arbitraries.integers().between(0, 2_000).injectNull(0.4))
        .as(RecordOp::new);
    Arbitrary<Op> advances = Arbitraries.frequencyOf(
        Tuple.of(60, Arbitraries.integers().between(0, 2_000).map(p -> new Advance(Clock.RESET_PERMILLE, p))),
        Tuple.of(20, Arbitraries.integers().between(0, 1_000).map(p -> new Advance(Clock.PAST_PERMIT_TIMEOUT, p))),
        Tuple.of(20, Arbitraries.integers().between(0, 999).map(p -> new Advance(Clock.MS, p))));
    Arbitrary<Op> forceOpens = Arbitraries.integers().between(0, 2_000).injectNull(0.4).map(ForceOpen::new);
    return Arbitraries.frequencyOf(
        Tuple.of(25, Arbitraries.just(new Acquire())),
        Tuple.of(30, records),
        Tuple.of(20, advances),
        Tuple.of(5, Arbitraries.just(new RegistryAdvance())),
        Tuple.of(4, Arbitraries.just(new Status())),
        Tuple.of(2, Arbitraries.just(new Reset())),
        Tuple.of(2, forceOpens),
        Tuple.of(1, Arbitraries.just(new Disable())));
  }

  // ---- operations: abstract amounts are resolved against the scenario's settings when played

  sealed interface Op permits Acquire, RecordOp, Advance, RegistryAdvance, Status, Reset, ForceOpen, Disable {}

  record Acquire() implements Op {
    @Override
    public String toString() {
      return "acquire";
    }
  }

  /** {@code durationPermille}: of {@code slowCallDurationMs}, or {@code null} for no duration. */
  record RecordOp(Outcome outcome, PermitRef permit, Integer durationPermille) implements Op {
    @Override
    public String toString() {
      return "record(" + outcome.wireName() + ", " + permit + ", "
          + (durationPermille == null ? "no duration" : durationPermille + "/1000 of slowCallDurationMs") + ")";
    }
  }

  /** How an {@link Advance} moves the clock. */
  enum Clock { RESET_PERMILLE, PAST_PERMIT_TIMEOUT, MS }

  record Advance(Clock clock, int amount) implements Op {
    @Override
    public String toString() {
      return "advance(" + switch (clock) {
        case RESET_PERMILLE -> amount + "/1000 of resetTimeoutMs";
        case PAST_PERMIT_TIMEOUT -> "permitTimeoutMs + " + amount + " ms";
        case MS -> amount + " ms";
      } + ")";
    }
  }

  /** The registry's timer firing: {@code registry.advance(now)}. */
  record RegistryAdvance() implements Op {
    @Override
    public String toString() {
      return "registry.advance";
    }
  }

  /** A status read: {@code registry.get(name, now)}, which applies time. */
  record Status() implements Op {
    @Override
    public String toString() {
      return "status";
    }
  }

  record Reset() implements Op {
    @Override
    public String toString() {
      return "reset";
    }
  }

  /** {@code durationPermille}: of {@code resetTimeoutMs}, or {@code null} for until reset. */
  record ForceOpen(Integer durationPermille) implements Op {
    @Override
    public String toString() {
      return "force_open(" + (durationPermille == null ? "until reset" : durationPermille + "/1000 of resetTimeoutMs")
          + ")";
    }
  }

  record Disable() implements Op {
    @Override
    public String toString() {
      return "disable";
    }
  }

  sealed interface PermitRef permits Earlier, NoPermit, Bogus {}

  /** The permit of the {@code back}-th most recent permitted acquire (none when there was none). */
  record Earlier(int back) implements PermitRef {
    @Override
    public String toString() {
      return "permit of the " + back + "-th latest permitted acquire";
    }
  }

  record NoPermit() implements PermitRef {
    @Override
    public String toString() {
      return "no permit";
    }
  }

  record Bogus(long value) implements PermitRef {
    @Override
    public String toString() {
      return "bogus permit " + value;
    }
  }

  record Scenario(BreakerSettings settings, List<Op> ops) {
    @Override
    public String toString() {
      BreakerSettings s = settings;
      return "window " + s.window().type().wireName() + " size " + s.window().size() + " minimumCalls "
          + s.window().minimumCalls() + ", failureThreshold " + s.failureThreshold() + ", failureRate "
          + s.failureRateThreshold() + "%, slowCallRate " + s.slowCallRateThreshold() + "%, slowCallDurationMs "
          + s.slowCallDurationMs() + ", resetTimeoutMs " + s.resetTimeoutMs() + ", halfOpenMaxCalls "
          + s.halfOpenMaxCalls() + ", successThreshold " + s.successThreshold() + ", permitTimeoutMs "
          + s.permitTimeoutMs() + ", backoff x" + s.backoff().multiplier() + " max "
          + s.backoff().maxResetTimeoutMs() + "; ops " + ops;
    }
  }

  // ---- what the properties look at

  /** A snapshot in comparable form (a window's buckets are arrays, which records compare by identity). */
  record Observed(BreakerState state, int failureCount, Long openedAtMs, int halfOpenAttempts, long version,
      long updatedAtMs, Long openTimeoutMs, Long forcedUntilMs, int halfOpenSuccesses, String window) {

    static Observed of(Snapshot s) {
      String window = "none";
      if (s.window() != null) {
        StringBuilder text = new StringBuilder(s.window().type().wireName()).append('/').append(s.window().size())
            .append(" '").append(s.window().outcomes()).append('\'');
        for (long[] bucket : s.window().buckets()) {
          text.append(' ').append(Arrays.toString(bucket));
        }
        window = text.toString();
      }
      return new Observed(s.state(), s.failureCount(), s.openedAtMs(), s.halfOpenAttempts(), s.version(),
          s.updatedAtMs(), s.openTimeoutMs(), s.forcedUntilMs(), s.halfOpenSuccesses(), window);
    }

    Observed withoutTrials() {
      return new Observed(state, failureCount, openedAtMs, 0, version, updatedAtMs, openTimeoutMs, forcedUntilMs,
          halfOpenSuccesses, window);
    }
  }

  /**
   * A breaker restored from a snapshot of the live one at the same moment; for an acquire, both answered it
   * (the copy after its own {@code tick}, as the registry does).
   */
  record Restored(String when, Observed live, long liveTimeLeft, Observed copy, long copyTimeLeft,
      Decision liveDecision, Decision copyDecision) {}

  /** One operation and what it did. */
  record Step(int index, Op op, String what, long nowMs, Observed before, long timeLeftBefore, Observed after,
      long timeLeftAfter, List<Transition> transitions, int counterChanges, Decision decision,
      PermitRejectedException rejection, List<Restored> restores, long breakerNextDeadline,
      long registryNextDeadline) {

    /** The transitions time caused before the operation itself (the registry applies time first). */
    List<Transition> fromTime() {
      List<Transition> own = decision == null ? List.of() : decision.transitions();
      return transitions.stream().filter(t -> own.stream().noneMatch(o -> o == t)).toList();
    }

    /** The state an acquire was decided in: after what time did to the breaker. */
    BreakerState stateMetByAcquire() {
      List<Transition> time = fromTime();
      return time.isEmpty() ? before.state() : time.get(time.size() - 1).to();
    }

    /** The open time left when an acquire was decided. */
    long timeLeftMetByAcquire() {
      if (fromTime().isEmpty()) {
        return timeLeftBefore;
      }
      // Time reopened the breaker just now; opened_at and the open time survive an open -> half_open move.
      return after.openedAtMs() == null ? 0 : Math.max(0, after.openedAtMs() + after.openTimeoutMs() - nowMs);
    }

    String summary() {
      return String.format("#%d at T0+%d ms: %s -> %s v%d failures %d trials %d successes %d%s%s%s", index,
          nowMs - T0, what, after.state(), after.version(), after.failureCount(), after.halfOpenAttempts(),
          after.halfOpenSuccesses(), timeLeftAfter > 0 ? " time left " + timeLeftAfter : "",
          transitions.isEmpty() ? "" : " " + transitions.stream()
              .map(t -> t.from() + "->" + t.to() + " (" + t.reason() + ")").toList(),
          rejection == null ? "" : " 409");
    }
  }

  /** One scenario played through a registry. */
  record Run(Scenario scenario, List<Step> steps) {

    static Run play(Scenario scenario) {
      BreakerSettings settings = scenario.settings();
      List<Transition> transitions = new ArrayList<>();
      int[] counterChanges = {0};
      BreakerRegistry registry = new BreakerRegistry(name -> settings, 10, PERMIT_SEED,
          new BreakerRegistry.Listener() {
            // A store that accepts every write at once (as persistence off does), so versions count changes.
            @Override
            public void onTransition(Breaker breaker, Transition transition) {
              transitions.add(transition);
              breaker.versions().stored(breaker.version(), breaker.versions().changes());
            }

            @Override
            public void onCounterChange(Breaker breaker) {
              counterChanges[0]++;
              breaker.versions().stored(breaker.version(), breaker.versions().changes());
            }
          });
      long now = T0;
      // Creates the breaker without changing it, so that every step has a "before".
      registry.record(NAME, Outcome.IGNORED, null, null, now);
      List<Long> permits = new ArrayList<>();
      List<Step> steps = new ArrayList<>();
      for (Op op : scenario.ops()) {
        Breaker breaker = registry.get(NAME);
        Observed before = Observed.of(breaker.snapshot());
        long timeLeftBefore = breaker.retryAfterMs(now);
        transitions.clear();
        counterChanges[0] = 0;
        List<Restored> restores = new ArrayList<>();
        Decision decision = null;
        PermitRejectedException rejection = null;
        String what;
        if (op instanceof Acquire) {
          Breaker copy = Breaker.restore(breaker.snapshot(), settings, RESTORE_SEED);
          Observed copied = Observed.of(copy.snapshot());
          long copyTimeLeft = copy.retryAfterMs(now);
          decision = registry.acquire(NAME, now);
          copy.tick(now);
          Decision copyDecision = copy.acquire(now);
          restores.add(new Restored("before the acquire", before, timeLeftBefore, copied, copyTimeLeft, decision,
              copyDecision));
          if (decision.permitted()) {
            permits.add(decision.permit());
          }
          what = "acquire = " + (decision.permitted() ? "permit " + decision.permit() : "rejected")
              + (decision.retryAfterMs() > 0 ? " retry after " + decision.retryAfterMs() : "");
        } else if (op instanceof RecordOp r) {
          Long permit = null;
          if (r.permit() instanceof Earlier e && !permits.isEmpty()) {
            permit = permits.get(Math.max(0, permits.size() - 1 - e.back()));
          } else if (r.permit() instanceof Bogus b) {
            permit = b.value();
          }
          Double duration = r.durationPermille() == null ? null
              : settings.slowCallDurationMs() * r.durationPermille() / 1000.0;
          what = "record(" + r.outcome().wireName() + ", permit " + permit + ", duration " + duration + ")";
          try {
            registry.record(NAME, r.outcome(), permit, duration, now);
          } catch (PermitRejectedException e) {
            rejection = e;
          }
        } else if (op instanceof Advance a) {
          long by = switch (a.clock()) {
            case RESET_PERMILLE -> settings.resetTimeoutMs() * a.amount() / 1000;
            case PAST_PERMIT_TIMEOUT -> settings.permitTimeoutMs() + a.amount();
            case MS -> a.amount();
          };
          now += by;
          what = "advance " + by + " ms";
        } else if (op instanceof RegistryAdvance) {
          registry.advance(now);
          what = "registry.advance(now)";
        } else if (op instanceof Status) {
          registry.get(NAME, now);
          what = "status";
        } else if (op instanceof Reset) {
          registry.reset(NAME, now);
          what = "reset";
        } else if (op instanceof ForceOpen f) {
          Long duration = f.durationPermille() == null ? null
              : settings.resetTimeoutMs() * f.durationPermille() / 1000;
          registry.forceOpen(NAME, duration, now);
          what = "force_open(" + (duration == null ? "until reset" : duration + " ms") + ")";
        } else {
          registry.disable(NAME, now);
          what = "disable";
        }
        Observed after = Observed.of(breaker.snapshot());
        long timeLeftAfter = breaker.retryAfterMs(now);
        Breaker copy = Breaker.restore(breaker.snapshot(), settings, RESTORE_SEED);
        restores.add(new Restored("after the step", after, timeLeftAfter, Observed.of(copy.snapshot()),
            copy.retryAfterMs(now), null, null));
        steps.add(new Step(steps.size(), op, what, now, before, timeLeftBefore, after, timeLeftAfter,
            List.copyOf(transitions), counterChanges[0], decision, rejection, restores, breaker.nextDeadline(),
            registry.nextDeadline()));
      }
      return new Run(scenario, steps);
    }

    /** The steps up to and including {@code last}, one a line, for a failure message. */
    String trace(Step last) {
      StringBuilder text = new StringBuilder("\nsettings and ops: ").append(scenario).append('\n');
      for (Step step : steps.subList(0, last.index() + 1)) {
        text.append("  ").append(step.summary()).append('\n');
      }
      return text.append("failing step #").append(last.index()).append(": ").toString();
    }
  }

  private static String answer(Decision decision) {
    return (decision.permitted() ? "permitted" : "rejected") + " in " + decision.state() + " retry after "
        + decision.retryAfterMs();
  }
}
