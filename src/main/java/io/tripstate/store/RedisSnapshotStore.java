package io.tripstate.store;

import io.tripstate.breaker.Names;
import io.tripstate.breaker.Snapshot;
import io.tripstate.config.PersistenceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisCluster;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The Redis adapter of {@link SnapshotStore}: one string key per breaker, {@code {prefix}{name}:state},
 * holding the snapshot JSON with a TTL. Every command is bounded by {@code commandTimeoutMs}, since the
 * client has no timeout of its own.
 *
 * <p>Writes go through a small Lua script, one key per call (so it runs unchanged on Redis Cluster), that makes
 * one decision: compare-and-set on the stored version (see {@link SnapshotStore}). A write that timed out here
 * may still run on Redis later; it is then refused, since the version it was based on has moved. The older
 * Python service's version-less values are overwritable. A refusal answers the stored value, so the caller
 * can reconcile without another round trip.
 */
public final class RedisSnapshotStore implements SnapshotStore {
  private static final Logger LOG = System.getLogger(RedisSnapshotStore.class.getName());
  private static final String SUFFIX = ":state";
  private static final String INSTANCE_MARK = "~";
  private static final int SCAN_COUNT = 1000;
  /** Anything this large is not a snapshot; it is skipped unparsed. */
  private static final int MAX_VALUE_BYTES = 64 * 1024;
  /**
   * KEYS[1] the key; ARGV[1] the snapshot JSON at version base + 1; ARGV[2] the base version; ARGV[3] the TTL in
   * seconds, 0 for none. Returns {1} when written, else {0, stored version, stored value}. A value that is not
   * a JSON object with a positive version (the older service's form, corrupt data, another Redis type) is
   * overwritten, as a restore skips it.
   */
  static final LuaScript WRITE_SCRIPT = new LuaScript(String.join("\n",
      "local current = redis.pcall('GET', KEYS[1])",
      "if type(current) == 'string' then",
      "  local ok, stored = pcall(cjson.decode, current)",
      "  if ok and type(stored) == 'table' then",
      "    local version = tonumber(stored['version'])",
      "    if version and version > 0 and version ~= tonumber(ARGV[2]) then return {0, version, current} end",
      "  end",
      "end",
      "if tonumber(ARGV[3]) > 0 then",
      "  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])",
      "else",
      "  redis.call('SET', KEYS[1], ARGV[1])",
      "end",
      "return {1}"));

  private final Vertx vertx;
  /**
   * How long writes may fail in a row on a Redis Cluster before the client is replaced by a new one: longer than
   * a failover takes (about 4 s here) plus the read-idle timeout that frees connections to a frozen master.
   */
  static final long STUCK_CLIENT_REPLACE_MS = 10_000;

  private final ReplaceableRedis redis;
  /** When writes began to fail in a row (nanoTime), or 0 while they succeed; read and written on the owner. */
  private volatile long failingSinceNanos;
  private final RedisOptions options;
  private final boolean cluster;
  private final PersistenceConfig config;
  private boolean infoAllowed = true;
  private String instanceId;
  private Predicate<String> instanceLocal = name -> false;
  /** Written from Redis callbacks on any thread; a stale read only costs one longer timeout. */
  private volatile boolean answered;

  public RedisSnapshotStore(Vertx vertx, RedisOptions options, PersistenceConfig config) {
    this.vertx = vertx;
    RedisOptions copy = new RedisOptions(options);
    this.redis = new ReplaceableRedis(() -> Redis.createClient(vertx, copy));
    this.options = new RedisOptions(options);
    this.cluster = options.getType() == RedisClientType.CLUSTER;
    this.config = config;
  }

  /** The client, shared with the transition history so that one pool serves both; closed by {@link #close()}. */
  public Redis client() {
    return redis;
  }

  /**
   * With sharing on, the breakers kept to this instance ({@code breakers.{name}.shared: false}) are stored under
   * {@code {prefix}~{instanceId}~{name}:state}, so that they never meet the shared key of the same name; a
   * restore reads this instance's own such keys and passes over other instances'. ({@code ~} is not allowed in
   * breaker names.) Set before the first load.
   */
  public void instanceLocal(String id, Predicate<String> local) {
    this.instanceId = id;
    this.instanceLocal = local;
  }

  /** The key of a breaker's snapshot. */
  public String key(String name) {
    if (instanceId != null && instanceLocal.test(name)) {
      return config.keyPrefix() + INSTANCE_MARK + instanceId + INSTANCE_MARK + name + SUFFIX;
    }
    return config.keyPrefix() + name + SUFFIX;
  }

  @Override
  public Future<WriteResult> write(Snapshot snapshot, long baseVersion, long ttlSeconds) {
    String key = key(snapshot.name());
    return WRITE_SCRIPT.run(this::send, key, SnapshotCodec.encode(snapshot.withVersion(baseVersion + 1)),
            Long.toString(baseVersion), Long.toString(ttlSeconds))
        .map(reply -> reply.get(0).toLong() == 1L
            ? WriteResult.written(baseVersion + 1)
            : WriteResult.refused(reply.get(1).toLong(), readStored(snapshot.name(), key, reply.get(2).toBytes())))
        .andThen(result -> watchForStuckClient(result.succeeded()));
  }

  /**
   * vertx-redis-client 5.0.x's cluster client was seen here stuck on a frozen master for more than 40 s after
   * Redis had promoted its replica (in about 1 run of 7 of RedisClusterFailoverTest, despite the read-idle
   * timeout): when writes have failed in a row for {@link #STUCK_CLIENT_REPLACE_MS} on a cluster, the client is
   * replaced by a new one, which discovers the slots afresh. Everything that shares it keeps working.
   */
  private void watchForStuckClient(boolean succeeded) {
    if (succeeded) {
      failingSinceNanos = 0;
      return;
    }
    long now = System.nanoTime();
    if (failingSinceNanos == 0) {
      failingSinceNanos = now;
    } else if (cluster && now - failingSinceNanos > TimeUnit.MILLISECONDS.toNanos(STUCK_CLIENT_REPLACE_MS)) {
      failingSinceNanos = now;
      LOG.log(Level.WARNING, "No write reached the Redis Cluster for {0} ms: replacing the Redis client by a new "
          + "one, which discovers the cluster''s slots afresh", STUCK_CLIENT_REPLACE_MS);
      redis.replace();
    }
  }

  /** A refusing script's stored value as a snapshot, or {@code null} (logged) when it cannot be read as one. */
  private Snapshot readStored(String name, String key, byte[] value) {
    try {
      if (value.length > MAX_VALUE_BYTES) {
        throw new SnapshotFormatException("its value of " + value.length + " bytes is larger than any snapshot");
      }
      return SnapshotCodec.decode(name, new String(value, StandardCharsets.UTF_8));
    } catch (SnapshotFormatException e) {
      LOG.log(Level.WARNING, "Redis key ''{0}'' holds a versioned value that is not a snapshot ({1}); "
          + "it will be overwritten", key, e.getMessage());
      return null;
    }
  }

  @Override
  public Future<LoadResult> loadAll() {
    Loader loader = new Loader();
    if (!cluster) {
      return loader.scan("0", this::send).map(v -> loader.result());
    }
    // A SCAN sees one node's keys: scan each master in turn (reads still go through the cluster client).
    return ClusterMasters.discover(this::send).compose(masters -> {
      Future<Void> scans = Future.succeededFuture();
      for (String master : masters) {
        scans = scans.compose(v -> {
          Redis node = ClusterMasters.clientFor(vertx, options, master);
          return loader.scan("0", request -> bounded(node.send(request))).eventually(() -> {
            node.close();
            return Future.succeededFuture();
          });
        });
      }
      return scans;
    }).map(v -> loader.result());
  }

  @Override
  public Future<String> probe() {
    if (!infoAllowed) {
      return send(Request.cmd(Command.PING)).map("");
    }
    Future<String> runIds = cluster
        // Every master has its own run id; a change of any (a restart, a failover) may have lost writes.
        ? bounded(RedisCluster.create(redis.current()).onAllMasterNodes(Request.cmd(Command.INFO, "server")))
            .map(replies -> replies.stream().map(reply -> runId(reply.toString())).sorted()
                .collect(Collectors.joining(",")))
        : send(Request.cmd(Command.INFO, "server")).map(reply -> runId(reply.toString()));
    return runIds
        .recover(error -> {
          if (error.getMessage() != null && error.getMessage().startsWith("NOPERM")) {
            infoAllowed = false;
            return probe();
          }
          return Future.failedFuture(error);
        });
  }

  @Override
  public Future<Void> close() {
    redis.close();
    return Future.succeededFuture();
  }

  private Future<Response> send(Request request) {
    return bounded(redis.send(request));
  }

  /**
   * Bounded by {@code commandTimeoutMs}, except until the first answer: the first command also connects
   * (and, for a cluster, discovers the slots, ~1 s in a cold JVM), so it gets {@code restoreTimeoutMs}.
   */
  private <T> Future<T> bounded(Future<T> future) {
    long timeoutMs = answered ? config.commandTimeoutMs()
        : Math.max(config.commandTimeoutMs(), config.restoreTimeoutMs());
    return future.timeout(timeoutMs, TimeUnit.MILLISECONDS).onSuccess(v -> answered = true);
  }

  private static String runId(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("run_id:")) {
        return line.substring("run_id:".length()).trim();
      }
    }
    return "";
  }

  /** One full SCAN; the reads of each batch run while the next batch is scanned. */
  private final class Loader {
    private final List<Snapshot> snapshots = new ArrayList<>();
    private final List<Future<Void>> reads = new ArrayList<>();
    private Future<Void> lastRead = Future.succeededFuture();
    private int skipped;

    /** Scans from {@code cursor} with {@code scanner} (one node's connection, or the standalone client). */
    Future<Void> scan(String cursor, Function<Request, Future<Response>> scanner) {
      String pattern = glob(config.keyPrefix()) + "*" + SUFFIX;
      return scanner.apply(Request.cmd(Command.SCAN, cursor, "MATCH", pattern, "COUNT", SCAN_COUNT))
          .compose(reply -> {
            List<String> keys = new ArrayList<>();
            for (Response key : reply.get(1)) {
              keys.add(key.toString());
            }
            // One batch is read while the next is scanned; never more, so a big restore cannot fill the pool.
            Future<Void> before = lastRead;
            if (!keys.isEmpty()) {
              lastRead = read(keys);
              reads.add(lastRead);
            }
            String next = reply.get(0).toString();
            return "0".equals(next) ? Future.all(reads).mapEmpty() : before.compose(v -> scan(next, scanner));
          });
    }

    LoadResult result() {
      return new LoadResult(List.copyOf(snapshots), skipped);
    }

    private Future<Void> read(List<String> keys) {
      Request mget = Request.cmd(Command.MGET);
      keys.forEach(mget::arg);
      return send(mget).compose(values -> {
        // Type checks run one after another: a prefix full of foreign keys must not fill the client's pool.
        Future<Void> typeChecks = Future.succeededFuture();
        for (int i = 0; i < keys.size(); i++) {
          Response value = values.get(i);
          if (value == null) {
            String key = keys.get(i);
            typeChecks = typeChecks.compose(v -> checkType(key));
          } else {
            accept(keys.get(i), value.toBytes());
          }
        }
        return typeChecks;
      });
    }

    /** MGET answers nil for a key of another type: tell that apart from a key that just expired. */
    private Future<Void> checkType(String key) {
      return send(Request.cmd(Command.TYPE, key)).map(type -> {
        if (type != null && !"none".equals(type.toString())) {
          skip(key, "it holds a Redis " + type + ", not a string");
        }
        return null;
      });
    }

    private void accept(String key, byte[] value) {
      String name = key.substring(config.keyPrefix().length(), key.length() - SUFFIX.length());
      if (name.startsWith(INSTANCE_MARK)) {
        String own = INSTANCE_MARK + instanceId + INSTANCE_MARK;
        if (instanceId == null || !name.startsWith(own)) {
          return; // a breaker another instance keeps to itself
        }
        name = name.substring(own.length());
      }
      if (!Names.isValid(name)) {
        skip(key, "the name '" + name + "' is not a valid breaker name");
      } else if (value.length > MAX_VALUE_BYTES) {
        skip(key, "its value of " + value.length + " bytes is larger than any snapshot");
      } else {
        try {
          snapshots.add(SnapshotCodec.decode(name, new String(value, StandardCharsets.UTF_8)));
        } catch (SnapshotFormatException e) {
          skip(key, e.getMessage());
        }
      }
    }

    private void skip(String key, String why) {
      skipped++;
      LOG.log(Level.WARNING, "Skipped unreadable snapshot at Redis key ''{0}'': {1}", key, why);
    }
  }

  private static String glob(String literal) {
    return literal.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
  }
}
