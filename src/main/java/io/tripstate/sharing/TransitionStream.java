package io.tripstate.sharing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The shared transitions stream, {@code {keyPrefix}sharing:transitions}: one capped Redis stream to which every
 * instance appends the transitions it wrote, and which every instance reads from the last entry it saw.
 *
 * <p>A stream rather than pub/sub because a reader that was away (a reconnect, a failover, a stall) resumes
 * from its last-seen id and gets exactly what it missed, with no rescan; a pub/sub message sent while it was
 * away is gone. Only when the stream was trimmed past that id (more than {@code streamMaxLength} transitions
 * while away) or lost (Redis restarted empty) does the reader reload every snapshot.
 *
 * <p>Writes and ranges go through the shared client, bounded by {@code commandTimeoutMs}; the blocking reads
 * through a connection of their own (a client without a read-idle timeout, since the connection waits in
 * {@code XREAD BLOCK} on purpose), bounded by the block time plus {@code commandTimeoutMs}.
 */
final class TransitionStream {
  /** The fields of an entry. */
  static final String TYPE = "t";
  static final String NAME = "n";
  static final String VERSION = "v";
  static final String INSTANCE = "i";
  static final String REASON = "r";
  static final String SNAPSHOT = "s";
  /** Entry types: a transition, or the mark an instance appends when it starts (so that it has an id to read from). */
  static final String TRANSITION = "transition";
  static final String HELLO = "hello";
  /**
   * How late a blocking read may answer before the reader counts as broken: a slow answer costs nothing, while a
   * reader taken for broken makes the instance decide alone (trials without a lease).
   */
  static final long READ_SLACK_MS = 2_000;

  /**
   * One entry as read.
   *
   * @param id the stream id ({@code ms-seq})
   * @param type {@link #TRANSITION} or {@link #HELLO} (anything else is skipped)
   * @param snapshot the snapshot JSON as written (transitions only)
   */
  record Entry(String id, String type, String name, long version, String instance, String reason, String snapshot) {}

  private final Vertx vertx;
  private final Redis commands;
  private final RedisOptions readerOptions;
  private final String key;
  private final int maxLength;
  private final long timeoutMs;
  private final long firstTimeoutMs;
  private Redis readerClient;
  private Future<RedisConnection> reader;

  /**
   * @param commands the shared client, for appends and ranges
   * @param options the client's options, from which the reader's own client is made
   */
  TransitionStream(Vertx vertx, Redis commands, RedisOptions options, String keyPrefix, int maxLength,
      long timeoutMs, long firstTimeoutMs) {
    this.firstTimeoutMs = Math.max(timeoutMs, firstTimeoutMs);
    this.vertx = vertx;
    this.commands = commands;
    NetClientOptions net = new NetClientOptions(options.getNetClientOptions()).setReadIdleTimeout(0)
        .setIdleTimeout(0);
    this.readerOptions = new RedisOptions(options).setNetClientOptions(net).setMaxPoolSize(1).setMaxPoolWaiting(4);
    this.key = keyPrefix + "sharing:transitions";
    this.maxLength = maxLength;
    this.timeoutMs = timeoutMs;
  }

  String key() {
    return key;
  }

  /** Appends a transition; the result is its id. */
  Future<String> announce(String name, long version, String instance, String reason, String snapshotJson) {
    return bounded(commands.send(Request.cmd(Command.XADD, key, "MAXLEN", "~", maxLength, "*", TYPE, TRANSITION,
        NAME, name, VERSION, version, INSTANCE, instance, REASON, reason, SNAPSHOT, snapshotJson)))
        .map(Response::toString);
  }

  /**
   * Appends this instance's start mark; the result is its id, from which the instance reads. Bounded by the
   * first-command timeout: at deploy it may be the client's first command, which also connects.
   */
  Future<String> hello(String instance) {
    return commands.send(Request.cmd(Command.XADD, key, "MAXLEN", "~", maxLength, "*", TYPE, HELLO,
        INSTANCE, instance)).timeout(firstTimeoutMs, TimeUnit.MILLISECONDS).map(Response::toString);
  }

  /** Up to {@code count} entries from {@code fromId} on, that one included (an empty list when the stream is gone). */
  Future<List<Entry>> range(String fromId, int count) {
    return bounded(commands.send(Request.cmd(Command.XRANGE, key, fromId, "+", "COUNT", count)))
        .map(TransitionStream::entries);
  }

  /**
   * Waits up to {@code blockMs} for entries after {@code afterId}, on the reader's own connection (connecting
   * first when it has none); an empty list when none came.
   */
  Future<List<Entry>> read(String afterId, int count, long blockMs) {
    if (reader == null) {
      readerClient = Redis.createClient(vertx, readerOptions);
      reader = readerClient.connect().timeout(firstTimeoutMs, TimeUnit.MILLISECONDS);
    }
    return reader.compose(connection -> connection.send(Request.cmd(Command.XREAD, "COUNT", count, "BLOCK", blockMs,
            "STREAMS", key, afterId)).timeout(blockMs + Math.max(timeoutMs, READ_SLACK_MS), TimeUnit.MILLISECONDS))
        .map(this::readReply)
        .onFailure(error -> closeReader());
  }

  /** Drops the reader's connection; the next {@link #read} connects again. */
  void closeReader() {
    Future<RedisConnection> old = reader;
    Redis oldClient = readerClient;
    reader = null;
    readerClient = null;
    if (old != null) {
      old.onSuccess(RedisConnection::close);
    }
    if (oldClient != null) {
      oldClient.close();
    }
  }

  private <T> Future<T> bounded(Future<T> future) {
    return future.timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** XREAD answers nil when nothing came; else, per stream, its entries (a map in RESP3, pairs in RESP2). */
  private List<Entry> readReply(Response reply) {
    if (reply == null) {
      return List.of();
    }
    Response entries;
    if (reply.isMap()) {
      entries = reply.get(key);
    } else {
      entries = reply.size() == 0 ? null : reply.get(0).get(1);
    }
    return entries(entries);
  }

  private static List<Entry> entries(Response reply) {
    List<Entry> entries = new ArrayList<>(reply == null ? 0 : reply.size());
    if (reply == null) {
      return entries;
    }
    for (Response entry : reply) {
      String type = null;
      String name = null;
      long version = 0;
      String instance = null;
      String reason = null;
      String snapshot = null;
      Response fields = entry.get(1);
      for (int i = 0; fields != null && i + 1 < fields.size(); i += 2) {
        String value = fields.get(i + 1).toString();
        switch (fields.get(i).toString()) {
          case TYPE -> type = value;
          case NAME -> name = value;
          case VERSION -> version = parseVersion(value);
          case INSTANCE -> instance = value;
          case REASON -> reason = value;
          case SNAPSHOT -> snapshot = value;
          default -> { } // a field of a later version
        }
      }
      entries.add(new Entry(entry.get(0).toString(), type, name, version, instance, reason, snapshot));
    }
    return entries;
  }

  private static long parseVersion(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return -1; // an entry this instance cannot read: skipped by the caller
    }
  }

  /** Compares two stream ids ({@code ms-seq}) in stream order. */
  static int compareIds(String a, String b) {
    long[] x = parseId(a);
    long[] y = parseId(b);
    int byMs = Long.compare(x[0], y[0]);
    return byMs != 0 ? byMs : Long.compare(x[1], y[1]);
  }

  private static long[] parseId(String id) {
    int dash = id.indexOf('-');
    if (dash < 0) {
      return new long[] {Long.parseLong(id), 0};
    }
    return new long[] {Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1))};
  }
}
