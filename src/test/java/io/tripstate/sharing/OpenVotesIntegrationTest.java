package io.tripstate.sharing;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.Bus;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The open quorum's votes against a real Redis: distinct live instances are counted once, expired ones not. */
@ExtendWith(VertxExtension.class)
class OpenVotesIntegrationTest {
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();

  private OpenVotes votes(Vertx vertx) {
    return new OpenVotes(Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url())), "vote:",
        5_000);
  }

  @Test
  void countsEachDistinctInstanceOnceHoweverOftenItVotes(Vertx vertx) {
    OpenVotes votes = votes(vertx);

    // When three instances vote, then each vote answers the live voters so far
    assertThat(await(votes.vote("db", "a", 10_000))).isEqualTo(1);
    assertThat(await(votes.vote("db", "b", 10_000))).isEqualTo(2);
    assertThat(await(votes.vote("db", "c", 10_000))).isEqualTo(3);

    // When one votes again, then it is still counted once, in one key that expires with its last vote
    assertThat(await(votes.vote("db", "a", 10_000))).isEqualTo(3);
    assertThat(redis.command("ZCARD", "vote:db:votes")).isEqualTo("3");
    assertThat(Long.parseLong(redis.command("PTTL", "vote:db:votes"))).isPositive().isLessThanOrEqualTo(10_000);
    // And another breaker's votes are its own
    assertThat(await(votes.vote("cache", "a", 10_000))).isEqualTo(1);
  }

  @Test
  void expiredVotesNoLongerCount(Vertx vertx) {
    OpenVotes votes = votes(vertx);

    // Given two short votes and a long one
    await(votes.vote("db", "a", 200));
    await(votes.vote("db", "b", 200));
    assertThat(await(votes.vote("db", "c", 60_000))).isEqualTo(3);

    // When the short ones expire, then only the live voters count, the new one included
    Bus.eventually(() -> await(votes.vote("db", "d", 60_000)) == 2, "the expired votes dropped out");
    assertThat(redis.command("ZRANGE", "vote:db:votes", "0", "-1")).isEqualTo("c\nd");
  }

  @Test
  void clearDropsEveryVote(Vertx vertx) {
    OpenVotes votes = votes(vertx);
    await(votes.vote("db", "a", 10_000));
    await(votes.vote("db", "b", 10_000));

    // When the shared open was written and the votes cleared, then the next vote starts a new count
    await(votes.clear("db"));
    assertThat(redis.command("EXISTS", "vote:db:votes")).isEqualTo("0");
    assertThat(await(votes.vote("db", "c", 10_000))).isEqualTo(1);
  }
}
