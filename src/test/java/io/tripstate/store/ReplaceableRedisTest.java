package io.tripstate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.Bus;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A replaced client is closed, and what holds the wrapper goes on through the new one (a real Redis). */
class ReplaceableRedisTest {

  @Test
  void afterAReplaceCommandsGoThroughANewClientAndTheOldOneIsClosed() {
    Vertx vertx = Vertx.vertx();
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      // Given a wrapper over real clients of a real Redis
      List<Redis> made = new ArrayList<>();
      ReplaceableRedis client = new ReplaceableRedis(() -> {
        Redis one = Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url()));
        made.add(one);
        return one;
      });
      Bus.await(client.send(Request.cmd(Command.SET, "k", "before")));
      Redis first = client.current();

      // When it is replaced
      client.replace();

      // Then a second client serves the commands, and the first one refuses any more
      assertThat(made).hasSize(2);
      assertThat(client.current()).isSameAs(made.get(1)).isNotSameAs(first);
      Bus.await(client.send(Request.cmd(Command.SET, "k", "after")));
      assertThat(redis.command("GET", "k")).isEqualTo("after");
      assertThat(first.send(Request.cmd(Command.PING)).failed() || awaitFails(first)).isTrue();
    } finally {
      Bus.await(vertx.close());
    }
  }

  private static boolean awaitFails(Redis closed) {
    try {
      Bus.await(closed.send(Request.cmd(Command.PING)));
      return false;
    } catch (RuntimeException e) {
      return true;
    }
  }
}
