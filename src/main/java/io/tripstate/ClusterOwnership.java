package io.tripstate;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.function.Consumer;

/**
 * The cluster-wide ownership of an API address ({@code cluster.scope: cluster}): a lock from the cluster
 * manager held for as long as the owner is deployed, and a note in a cluster-wide map saying who holds it,
 * so that a second deployment can name the holder. The cluster manager releases the lock of a node that
 * left or died, so an HA redeployment or a {@link Standby} on a survivor takes it over.
 */
final class ClusterOwnership {
  private static final Logger LOG = System.getLogger(ClusterOwnership.class.getName());
  private static final String LOCK_PREFIX = "io.tripstate.owner.";
  private static final String HOLDERS_MAP = "io.tripstate.owners";
  /**
   * Pause between a standby's attempts. Each attempt already waits up to {@code lockTimeoutMs} and gets the lock
   * as soon as it is released; the pause only keeps a cluster manager that fails at once from being asked in a
   * tight loop.
   */
  private static final long STANDBY_PAUSE_MS = 100;

  private final Lock lock;
  private final AsyncMap<String, String> holders;
  private final String address;
  private final String holder;

  private ClusterOwnership(Lock lock, AsyncMap<String, String> holders, String address, String holder) {
    this.lock = lock;
    this.holders = holders;
    this.address = address;
    this.holder = holder;
  }

  /** Takes the lock of {@code address} within {@code timeoutMs}, or fails naming the current holder. */
  static Future<ClusterOwnership> claim(Vertx vertx, String address, String deploymentId, long timeoutMs) {
    String holder = describeNode(vertx) + " (deployment " + deploymentId + ")";
    return vertx.sharedData().<String, String>getAsyncMap(HOLDERS_MAP).compose(holders ->
        vertx.sharedData().getLockWithTimeout(LOCK_PREFIX + address, timeoutMs)
            .compose(lock -> holders.put(address, holder).map(v -> {
              LOG.log(Level.INFO, "This node owns the breakers of ''{0}'' for the whole cluster: {1}", address, holder);
              return new ClusterOwnership(lock, holders, address, holder);
            }), error -> holders.get(address).transform(found -> Future.failedFuture(new HeldElsewhere(address,
                found.succeeded() && found.result() != null ? found.result() : "another node")))));
  }

  /** The lock of an address is held by another deployment (or could not be had within the timeout). */
  static final class HeldElsewhere extends IllegalStateException {
    private final String holder;

    HeldElsewhere(String address, String holder) {
      super("a BreakerVerticle with cluster scope already owns event-bus address '" + address + "' on " + holder
          + "; deploy one per cluster with cluster.scope \"cluster\", or use cluster.scope \"node\" to give every"
          + " node its own breakers, or cluster.standby true to wait as a standby");
      this.holder = holder;
    }

    /** The holder's node and deployment, or "another node" when the note could not be read. */
    String holder() {
      return holder;
    }
  }

  /**
   * Starts a standby: keeps trying the lock of {@code address}, each attempt a wait of at most {@code timeoutMs}
   * on a worker thread (never on the event loop), until it gets it, then hands the ownership to {@code onOwned}.
   * Call it on the owner's context: the attempts, the timer and {@code onOwned} run there.
   */
  static Standby standBy(Vertx vertx, String address, String deploymentId, long timeoutMs,
      Consumer<ClusterOwnership> onOwned) {
    Standby standby = new Standby(vertx, address, deploymentId, timeoutMs, onOwned);
    standby.attempt();
    return standby;
  }

  /** Releases the lock (and the note, if it is still ours). */
  Future<Void> release() {
    lock.release();
    return holders.removeIfPresent(address, holder).mapEmpty();
  }

  /** This Vert.x instance's node id in the cluster, or {@code null} when it is not clustered. */
  static String nodeId(Vertx vertx) {
    // Vert.x 5 offers the node id only through its cluster manager, which the public Vertx interface hides.
    return vertx.isClustered() ? ((VertxInternal) vertx).clusterManager().getNodeId() : null;
  }

  private static String describeNode(Vertx vertx) {
    return vertx.isClustered() ? "node " + nodeId(vertx) : "this Vert.x instance";
  }

  /** A deployment waiting for the ownership; confined to its context. */
  static final class Standby {
    private final Vertx vertx;
    private final String address;
    private final String deploymentId;
    private final long timeoutMs;
    private final Consumer<ClusterOwnership> onOwned;
    private boolean stopped;
    private long timerId = -1;

    private Standby(Vertx vertx, String address, String deploymentId, long timeoutMs,
        Consumer<ClusterOwnership> onOwned) {
      this.vertx = vertx;
      this.address = address;
      this.deploymentId = deploymentId;
      this.timeoutMs = timeoutMs;
      this.onOwned = onOwned;
    }

    private void attempt() {
      timerId = -1;
      if (stopped) {
        return;
      }
      claim(vertx, address, deploymentId, timeoutMs).onComplete(claimed -> {
        if (claimed.succeeded() && stopped) {
          claimed.result().release(); // undeployed while the attempt ran: a successor must not wait on us
        } else if (claimed.succeeded()) {
          onOwned.accept(claimed.result());
        } else if (!stopped) {
          timerId = vertx.setTimer(STANDBY_PAUSE_MS, id -> attempt());
        }
      });
    }

    /** Stops trying; a lock that an attempt still running gets is released at once. */
    void stop() {
      stopped = true;
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
      }
    }
  }
}
