package io.tripstate.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Proves the private redis-server helper before other tests rely on it to break Redis on purpose. */
class RedisServerProcessTest {

  private static final Duration SHORT = Duration.ofMillis(300);

  @Test
  void startedServerAnswersPingAndRoundTripsAValueOnItsOwnPort() {
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      assertThat(redis.command("PING")).isEqualTo("PONG");
      assertThat(redis.command("SET", "greeting", "héllo wörld")).isEqualTo("OK");
      assertThat(redis.command("GET", "greeting")).isEqualTo("héllo wörld");
      assertThat(redis.port()).isNotEqualTo(6379);
      assertThat(redis.url()).isEqualTo("redis://127.0.0.1:" + redis.port());
      assertThat(redis.isRunning()).isTrue();
      assertThat(ProcessHandle.of(redis.pid())).isPresent();
    }
  }

  @Test
  void commandDecodesIntegersNilsArraysAndErrors() {
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      assertThat(redis.command("INCR", "counter")).isEqualTo("1");
      assertThat(redis.command("GET", "missing")).isNull();
      assertThat(redis.command("RPUSH", "list", "a", "b")).isEqualTo("2");
      assertThat(redis.command("LRANGE", "list", "0", "-1")).isEqualTo("a\nb");
      assertThat(redis.command("NO-SUCH-COMMAND")).startsWith("-ERR");
    }
  }

  @Test
  void pausedServerAnswersNothingUntilResumed() {
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      redis.pause();

      assertThatThrownBy(() -> redis.command(SHORT, "PING"))
          .isInstanceOf(UncheckedIOException.class)
          .hasCauseInstanceOf(SocketTimeoutException.class);
      assertThat(redis.isRunning()).isTrue();

      redis.resume();
      assertThat(redis.command("PING")).isEqualTo("PONG");
    }
  }

  @Test
  void pausedServerStillStopsPromptly() {
    RedisServerProcess redis = RedisServerProcess.start();
    redis.pause();
    long startedAt = System.nanoTime();

    redis.close();

    assertThat(redis.isRunning()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - startedAt)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void killedServerRestartsOnTheSamePortWithoutItsData() {
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      redis.command("SET", "key", "value");
      int port = redis.port();
      long firstPid = redis.pid();

      redis.kill();
      assertThat(redis.isRunning()).isFalse();
      assertThatThrownBy(() -> redis.command(SHORT, "PING")).isInstanceOf(UncheckedIOException.class);

      redis.restart();
      assertThat(redis.port()).isEqualTo(port);
      assertThat(redis.pid()).isNotEqualTo(firstPid);
      assertThat(redis.command("PING")).isEqualTo("PONG");
      assertThat(redis.command("GET", "key")).isNull();
    }
  }

  @Test
  void persistentServerKeepsKeysAcrossStopAndRestart() {
    try (RedisServerProcess redis = RedisServerProcess.startPersistent()) {
      redis.command("SET", "key", "value");

      redis.stop();
      assertThat(redis.isRunning()).isFalse();
      redis.restart();

      assertThat(redis.command("GET", "key")).isEqualTo("value");
    }
  }

  @Test
  void persistentServerKeepsAcknowledgedWritesAcrossKill() {
    try (RedisServerProcess redis = RedisServerProcess.startPersistent()) {
      redis.command("SET", "key", "value");

      redis.kill();
      redis.restart();

      assertThat(redis.command("GET", "key")).isEqualTo("value");
    }
  }
}
