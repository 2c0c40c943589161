package io.tripstate.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RepeatedWarningTest {
  @Test
  void logsAProblemOnceThenOnlyWhenItChangesOrAfterRecovery() {
    RepeatedWarning warning = new RepeatedWarning();

    assertThat(warning.check("WRONGPASS")).isZero();
    assertThat(warning.check("WRONGPASS")).isEqualTo(-1);
    assertThat(warning.check("WRONGPASS")).isEqualTo(-1);
    assertThat(warning.check("Connection refused")).as("a new problem, after 2 repeats").isEqualTo(2);
    warning.clear();
    assertThat(warning.check("Connection refused")).isZero();
  }
}
