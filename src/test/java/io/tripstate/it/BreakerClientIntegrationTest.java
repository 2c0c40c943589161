package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tripstate.AcquireResult;
import io.tripstate.BreakerClient;
import io.tripstate.CallNotPermittedException;
import io.tripstate.breaker.Outcome;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The typed client over the event-bus API. */
@ExtendWith(VertxExtension.class)
class BreakerClientIntegrationTest {
  private BreakerClient client;

  @BeforeEach
  void deploy(Vertx vertx) {
    JsonObject config = Deployments.config();
    Deployments.deploy(vertx, config, MutableClock.startingNow());
    client = BreakerClient.create(vertx, config.getString("address"));
  }

  @Test
  void acquireRecordStatusAndResetAreTyped() {
    AcquireResult permit = await(client.acquire("typed"));
    assertThat(permit.permitted()).isTrue();
    assertThat(permit.state()).isEqualTo("closed");

    assertThat(await(client.record("typed", Outcome.FAILURE, permit.permit(), 5L))).isEqualTo("closed");
    assertThat(await(client.record("typed", Outcome.FAILURE, null, null))).isEqualTo("open");
    AcquireResult rejected = await(client.acquire("typed"));
    assertThat(rejected.permitted()).isFalse();
    assertThat(rejected.retryAfterMs()).isEqualTo(60_000);
    assertThat(await(client.status("typed")).getString("state")).isEqualTo("open");
    assertThat(await(client.reset("typed")).getString("state")).isEqualTo("closed");
    assertThat(await(client.statusAll()).getJsonArray("breakers")).hasSize(1);
  }

  @Test
  void executeRunsTheCallAndRecordsItsOutcome() {
    assertThat(await(client.execute("exec", () -> Future.succeededFuture("ok")))).isEqualTo("ok");

    assertThatThrownBy(() -> await(client.execute("exec", () -> Future.failedFuture("boom"))))
        .hasMessageContaining("boom");
    assertThatThrownBy(() -> await(client.execute("exec", () -> {
      throw new IllegalStateException("thrown, not returned");
    }))).hasMessageContaining("thrown, not returned");

    // Fast-path outcomes are sent behind the result, batched: they arrive shortly after.
    Bus.eventually(() -> "open".equals(await(client.status("exec")).getString("state")), "two failures counted");
  }

  @Test
  void executeOverTheEventBusOnlyRecordsInOrderWithoutTheFastPath() {
    BreakerClient remote = client.withoutFastPath();
    assertThatThrownBy(() -> await(remote.execute("remote", () -> Future.failedFuture("boom"))));
    assertThatThrownBy(() -> await(remote.execute("remote", () -> Future.failedFuture("boom"))));

    assertThat(await(remote.status("remote")).getString("state")).isEqualTo("open");
  }

  @Test
  void executeFailsFastNamingTheBreakerAndTheRetryAfterWhenOpen() {
    await(client.record("fast", Outcome.FAILURE, null, null));
    await(client.record("fast", Outcome.FAILURE, null, null));
    AtomicInteger calls = new AtomicInteger();

    assertThatThrownBy(() -> await(client.execute("fast", () -> {
      calls.incrementAndGet();
      return Future.succeededFuture("never");
    })))
        .isInstanceOf(CallNotPermittedException.class)
        .hasMessageContaining("'fast'").hasMessageContaining("open").hasMessageContaining("60000 ms")
        .satisfies(e -> assertThat(((CallNotPermittedException) e).retryAfterMs()).isEqualTo(60_000));
    assertThat(calls).hasValue(0);
  }

  @Test
  void aBreakerForcedOpenWithoutAnEndRejectsWithNoRetryTime() {
    // Given a breaker forced open until reset
    await(client.forceOpen("frozen", null));

    // When it is acquired and a call is executed through it
    AcquireResult rejected = await(client.acquire("frozen"));

    // Then neither gives a retry time: null, not 0 (which would mean "try now")
    assertThat(rejected.permitted()).isFalse();
    assertThat(rejected.retryAfterMs()).isNull();
    assertThatThrownBy(() -> await(client.execute("frozen", () -> Future.succeededFuture("never"))))
        .isInstanceOf(CallNotPermittedException.class)
        .hasMessage("CircuitBreaker 'frozen' is forced_open and does not permit further calls until it is reset")
        .satisfies(e -> assertThat(((CallNotPermittedException) e).retryAfterMs()).isNull());
  }

  @Test
  void historyListsTheTransitionsNewestFirst() {
    // Given a breaker forced open, then reset
    await(client.forceOpen("audited", null));
    await(client.reset("audited"));

    // When its history is asked, whole and limited to one
    // Then it comes newest first
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> await(client.history("audited", null)).getJsonArray("history").size() == 2);
    JsonObject newest = await(client.history("audited", 1));
    assertThat(newest.getJsonArray("history")).hasSize(1);
    assertThat(newest.getJsonArray("history").getJsonObject(0).getString("reason")).isEqualTo("reset");
  }

  @Test
  void apiFailuresArriveAsReplyExceptionsWithTheirCodes() {
    assertThatThrownBy(() -> await(client.status("unknown")))
        .isInstanceOf(ReplyException.class)
        .satisfies(e -> assertThat(((ReplyException) e).failureCode()).isEqualTo(404));
  }
}
