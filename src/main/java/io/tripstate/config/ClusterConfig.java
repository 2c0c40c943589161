package io.tripstate.config;

import java.util.Locale;

/**
 * Who owns the breakers in a clustered Vert.x (config section {@code cluster}).
 *
 * @param scope {@link Scope#NODE} (default): every node that deploys a {@code BreakerVerticle} owns its own
 *     breakers and answers the API for requests sent from that node; {@link Scope#CLUSTER}: one verticle
 *     owns the breakers for the whole cluster, holding a cluster-wide lock while deployed, and answers
 *     requests from every node
 * @param lockTimeoutMs with scope {@code cluster}: how long a deployment waits for the ownership lock before
 *     it fails naming the holder; default 1000. A redeployment after the holder's node died gets the lock
 *     once the cluster manager has noticed the death. A standby waits this long per attempt (on a worker
 *     thread, never on the event loop)
 * @param standby with scope {@code cluster}: a deployment that finds the lock held does not fail but completes
 *     as a standby that serves nothing and keeps trying the lock; once it gets it (the owner left, gracefully or
 *     not), it restores from Redis and serves. Default false: such a deployment fails naming the holder. Vert.x
 *     HA redeploys an owner only after a crash; a standby also takes over after a graceful leave
 */
public record ClusterConfig(Scope scope, long lockTimeoutMs, boolean standby) {
  public static final long DEFAULT_LOCK_TIMEOUT_MS = 1_000;

  /** The ownership scope. */
  public enum Scope {
    /** One owner per Vert.x node; requests are answered on the node they were sent from. */
    NODE,
    /** One owner for the whole cluster, holding a cluster-wide lock. */
    CLUSTER;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static ClusterConfig from(ConfigReader section) {
    String scope = section.string("scope", Scope.NODE.wireName());
    Scope parsed = switch (scope) {
      case "node" -> Scope.NODE;
      case "cluster" -> Scope.CLUSTER;
      default -> throw new ConfigException(section.key("scope"), scope, "must be \"node\" or \"cluster\"");
    };
    boolean standby = section.bool("standby", false);
    if (standby && parsed != Scope.CLUSTER) {
      // A node-scoped owner never waits for anyone: a standby there would serve nothing for ever.
      throw new ConfigException(section.key("standby"), true, "needs cluster.scope \"cluster\"");
    }
    return new ClusterConfig(parsed, section.number("lockTimeoutMs", DEFAULT_LOCK_TIMEOUT_MS, 1, 600_000), standby);
  }
}
