package io.tripstate.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tripstate.engine.VertxScheduler;
import io.tripstate.support.Bus;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The history's own pipelined connection, against a private Redis that the tests stall and kill. */
@ExtendWith(VertxExtension.class)
class HistoryConnectionIntegrationTest {
  private static final long TIMEOUT_MS = 1_000;
  private static final long RETRY_MS = 100;
  private static final int MAX_IN_FLIGHT = 20;

  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();
  private Context context;
  private Redis client;
  private HistoryConnection connection;

  @BeforeEach
  void connect(Vertx vertx) {
    context = vertx.getOrCreateContext();
    client = Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url()));
    connection = new HistoryConnection(context, client, new VertxScheduler(vertx, Clock.systemUTC()), TIMEOUT_MS,
        RETRY_MS, MAX_IN_FLIGHT, () -> Request.cmd(Command.SET).arg("prepared").arg("yes"));
  }

  /** Runs on the connection's context, as the verticle does, and waits for it. */
  private <T> T onContext(Callable<T> action) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> {
      try {
        done.complete(action.call());
      } catch (Exception e) {
        done.fail(e);
      }
    });
    return Bus.await(done.future());
  }

  private List<Future<Response>> push(int from, int to) {
    return onContext(() -> {
      List<Future<Response>> sent = new ArrayList<>();
      for (int i = from; i < to; i++) {
        int value = i;
        sent.add(connection.send(() -> Request.cmd(Command.RPUSH).arg("order").arg(value)));
      }
      return sent;
    });
  }

  private static String numbers(int from, int to) {
    return IntStream.range(from, to).mapToObj(Integer::toString).collect(Collectors.joining("\n"));
  }

  @Test
  void commandsSentAtOnceRunInTheOrderTheyWereSentAfterThePreparingCommand() {
    // When 2,000 commands are sent, in batches of the limit each sent in one event-loop turn
    for (int i = 0; i < 2_000; i += MAX_IN_FLIGHT) {
      Bus.await(Future.all(push(i, i + MAX_IN_FLIGHT)));
    }

    // Then Redis ran them in order, after the command that prepares each connection
    assertThat(redis.command("LRANGE", "order", "0", "-1")).isEqualTo(numbers(0, 2_000));
    assertThat(redis.command("GET", "prepared")).isEqualTo("yes");
  }

  @Test
  void aStalledRedisHoldsAtMostMaxInFlightCommandsAndTheRestFailAtOnce() {
    // Given a working connection, then a stalled Redis
    Bus.await(Future.all(push(0, 1)));
    redis.pause();
    try {
      // When more commands than the limit are sent
      List<Future<Response>> sent = push(1, MAX_IN_FLIGHT + 6);

      // Then the first ones wait (and time out here) while the last 5 fail at once, saying why
      List<Future<Response>> refused = sent.subList(MAX_IN_FLIGHT, sent.size());
      assertThat(refused).allSatisfy(f -> assertThat(f.failed()).isTrue());
      assertThat(refused.get(0).cause()).hasMessageContaining("Redis is slow")
          .hasMessageContaining(MAX_IN_FLIGHT + " history commands already wait");
      await().atMost(Duration.ofSeconds(5)).until(() -> sent.get(0).failed());
      assertThat(sent.get(0).cause()).hasMessageContaining("Timeout");
      assertThat(onContext(connection::inFlight)).as("timed out here, still in the pipeline").isEqualTo(MAX_IN_FLIGHT);
    } finally {
      redis.resume();
    }

    // And once Redis wakes up, the waiting ones run, in order, and the connection serves again
    await().atMost(Duration.ofSeconds(5)).until(() -> onContext(connection::inFlight) == 0);
    assertThat(redis.command("LRANGE", "order", "0", "-1")).isEqualTo(numbers(0, MAX_IN_FLIGHT + 1));
    Bus.await(Future.all(push(100, 101)));
  }

  @Test
  void aKilledRedisIsReconnectedToOnceItIsBack() {
    // Given a working connection
    Bus.await(Future.all(push(0, 1)));

    // When Redis is killed and started again (empty)
    redis.kill();
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      Future<Response> attempt = push(1, 2).get(0);
      await().atMost(Duration.ofSeconds(2)).until(attempt::isComplete);
      return attempt.failed();
    });
    redis.restart();

    // Then a later command finds a new connection (prepared again), at most one attempt per retryMs
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(RETRY_MS)).until(() -> {
      Future<Response> attempt = push(7, 8).get(0);
      await().atMost(Duration.ofSeconds(2)).until(attempt::isComplete);
      return attempt.succeeded();
    });
    assertThat(redis.command("GET", "prepared")).isEqualTo("yes");
  }

  @Test
  void closeGivesTheConnectionBackAndLaterCommandsFail() {
    Bus.await(Future.all(push(0, 1)));

    onContext(() -> {
      connection.close();
      return null;
    });

    Future<Response> after = push(1, 2).get(0);
    assertThat(after.failed()).isTrue();
    assertThat(after.cause()).hasMessageContaining("closed");
  }
}
