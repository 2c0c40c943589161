package io.tripstate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RepeatedWarningTest {
  @Test
  void logsAProblemOnceThenOnlyWhenItChangesOrAfterRecovery() {
    long[] nanos = {0};
    RepeatedWarning warning = new RepeatedWarning(() -> nanos[0]);

    assertThat(warning.check("WRONGPASS")).isZero();
    assertThat(warning.check("WRONGPASS")).isEqualTo(-1);
    assertThat(warning.check("WRONGPASS")).isEqualTo(-1);
    assertThat(warning.check("Connection refused")).as("a new problem, after 2 repeats").isEqualTo(2);
    warning.clear();
    assertThat(warning.check("Connection refused")).isZero();
    assertThat(warning.check("Connection refused")).isEqualTo(-1);
    nanos[0] += TimeUnit.MINUTES.toNanos(1);
    assertThat(warning.check("Connection refused")).as("a minute later, with the repeat count").isEqualTo(1);
  }
}
