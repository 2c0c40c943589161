package io.tripstate.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tripstate.support.RedisServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the launcher does with the record ({@code redis.pid}) of a Redis that a run started in its data folder:
 * it takes a live one over only when the run that started it is gone, and cleans up after one that is gone.
 * The full story (a real launcher killed and started again) is LauncherRedisAfterCrashIT.
 */
class LocalRedisTest {
  @TempDir
  Path data;

  @Test
  void aRecordOfARedisThatIsGoneIsRemovedWithItsBinary() throws Exception {
    // Given the record of a process that ended, and the binary it ran in data/bin
    Process ended = new ProcessBuilder("true").start();
    assertThat(ended.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Path binary = Files.createDirectories(data.resolve("bin")).resolve("redis-server-6.2.6-v5-linux-amd64");
    Files.writeString(binary, "not really a binary");
    new RedisPidFile(ended.pid(), 6390, Instant.parse("2026-01-01T00:00:00Z"), binary, ended.pid(),
        Instant.parse("2026-01-01T00:00:00Z")).write(data);

    // When a launcher looks for a Redis left running there
    // Then there is none, and neither the record nor the binary is left
    assertThat(LocalRedis.takeOver(data)).isEmpty();
    assertThat(data.resolve(RedisPidFile.NAME)).doesNotExist();
    assertThat(data.resolve("bin")).doesNotExist();
  }

  @Test
  void anUnreadableRecordIsRemoved() throws Exception {
    // Given a record cut short
    Files.writeString(data.resolve(RedisPidFile.NAME), "pid=12\n");

    // When a launcher looks for a Redis left running there, Then there is none and the record is gone
    assertThat(LocalRedis.takeOver(data)).isEmpty();
    assertThat(data.resolve(RedisPidFile.NAME)).doesNotExist();
  }

  @Test
  void aRedisWhoseLauncherStillRunsIsNotTakenOverAndNoSecondOneStartsThere() throws Exception {
    // Given a live redis-server recorded as started by a launcher that still runs (this JVM's parent)
    ProcessHandle launcher = ProcessHandle.current().parent().orElseThrow();
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      ProcessHandle server = ProcessHandle.of(redis.pid()).orElseThrow();
      RedisPidFile record = new RedisPidFile(server.pid(), redis.port(), server.info().startInstant().orElseThrow(),
          Path.of(server.info().command().orElseThrow()), launcher.pid(), launcher.info().startInstant().orElseThrow());
      record.write(data);

      // When another launcher looks there, Then it leaves that Redis and its record alone
      assertThat(LocalRedis.takeOver(data)).isEmpty();
      assertThat(RedisPidFile.read(data)).contains(record);
      // And it refuses to start a second Redis on the same data
      assertThat(catchThrowable(() -> LocalRedis.launch(RedisServerProcess.freePort(), false, data).stop()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("pid " + server.pid())
          .hasMessageContaining("another tripstate app (pid " + launcher.pid() + ")");
      assertThat(redis.command("PING")).isEqualTo("PONG");
    }
  }
}
