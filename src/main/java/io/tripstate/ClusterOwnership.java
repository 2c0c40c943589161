package io.tripstate;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * The cluster-wide ownership of an API address ({@code cluster.scope: cluster}): a lock from the cluster
 * manager held for as long as the owner is deployed, and a note in a cluster-wide map saying who holds it,
 * so that a second deployment can name the holder. The cluster manager releases the lock of a node that
 * left or died, so an HA redeployment on a survivor takes it over.
 */
final class ClusterOwnership {
  private static final Logger LOG = System.getLogger(ClusterOwnership.class.getName());
  private static final String LOCK_PREFIX = "io.tripstate.owner.";
  private static final String HOLDERS_MAP = "io.tripstate.owners";

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
            }), error -> holders.get(address).transform(found -> Future.failedFuture(new IllegalStateException(
                "a BreakerVerticle with cluster scope already owns event-bus address '" + address + "' on "
                + (found.succeeded() && found.result() != null ? found.result() : "another node")
                + "; deploy one per cluster with cluster.scope \"cluster\", or use cluster.scope \"node\" to give every"
                + " node its own breakers")))));
  }

  /** Releases the lock (and the note, if it is still ours). */
  Future<Void> release() {
    lock.release();
    return holders.removeIfPresent(address, holder).mapEmpty();
  }

  private static String describeNode(Vertx vertx) {
    return vertx.isClustered() ? "node " + ((io.vertx.core.internal.VertxInternal) vertx).clusterManager().getNodeId()
        : "this Vert.x instance";
  }
}
