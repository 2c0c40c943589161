package io.tripstate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CallNotPermittedExceptionTest {

  @Test
  void itsMessageNamesTheBreakerItsStateAndWhenToRetry() {
    CallNotPermittedException rejected = new CallNotPermittedException("payments", "open", 1_500);

    assertThat(rejected.getMessage())
        .isEqualTo("CircuitBreaker 'payments' is open and does not permit further calls; retry after 1500 ms");
    assertThat(rejected.toString()).contains("CircuitBreaker 'payments' is open");
    assertThat(rejected.breakerName()).isEqualTo("payments");
    assertThat(rejected.state()).isEqualTo("open");
    assertThat(rejected.retryAfterMs()).isEqualTo(1_500);
  }

  @Test
  void anOpenEndedRejectionHasNoRetryTimeAndSaysItWaitsForAReset() {
    CallNotPermittedException rejected = CallNotPermittedException.untilReset("payments", "forced_open");

    assertThat(rejected.getMessage()).isEqualTo(
        "CircuitBreaker 'payments' is forced_open and does not permit further calls until it is reset");
    assertThat(rejected.retryAfterMs()).isNull();
  }

  @Test
  void anExpectedRejectionCarriesNoStackTrace() {
    assertThat(new CallNotPermittedException("payments", "half_open", 0).getStackTrace()).isEmpty();
  }
}
