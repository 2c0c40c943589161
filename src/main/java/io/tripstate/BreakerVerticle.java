package io.tripstate;

import io.micrometer.core.instrument.MeterRegistry;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.bus.BreakerApi;
import io.tripstate.bus.TransitionEvents;
import io.tripstate.config.ClusterConfig;
import io.tripstate.config.HttpConfig;
import io.tripstate.config.TripstateConfig;
import io.tripstate.engine.BreakerEngine;
import io.tripstate.engine.VertxScheduler;
import io.tripstate.fastpath.LocalView;
import io.tripstate.fastpath.OutcomeQueue;
import io.tripstate.history.HistoryRecorder;
import io.tripstate.history.MemoryTransitionHistory;
import io.tripstate.history.RedisTransitionHistory;
import io.tripstate.history.TransitionHistory;
import io.tripstate.http.Dashboard;
import io.tripstate.http.EventStream;
import io.tripstate.http.HttpRoutes;
import io.tripstate.http.MetricsRoutes;
import io.tripstate.metrics.BreakerMetrics;
import io.tripstate.metrics.MeterRegistries;
import io.tripstate.store.OnOwner;
import io.tripstate.store.Persistence;
import io.tripstate.store.RedisSnapshotStore;
import io.tripstate.store.SnapshotCodec;
import io.tripstate.sharing.Sharing;
import io.tripstate.sharing.SharingFactory;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.Router;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Owns the state of named circuit breakers: answers the event-bus API, writes a snapshot to Redis on every
 * transition, restores the snapshots before it serves, and serves HTTP status routes when configured.
 *
 * <p>Deploy it once per Vert.x instance, by class name or instance:
 * {@code vertx.deployVerticle("io.tripstate.BreakerVerticle", new DeploymentOptions().setConfig(json))}.
 * A deployment with {@code instances > 1}, or a second deployment on the same address, is refused: the
 * breakers must have a single owner. With {@code cluster.scope: cluster} the owner holds a cluster-wide lock; a
 * deployment that finds it held fails naming the holder or, with {@code cluster.standby}, completes as a standby
 * ({@link #isStandby()}) that restores and serves once it gets the lock.
 *
 * <p>Wiring only: config, then the store, then the {@link BreakerEngine} with its listeners, then the event-bus
 * API, then HTTP; {@link #start()} restores, then serves. All breaker state is confined to this verticle's event
 * loop: the consumer, the engine's timers and Redis callbacks run there, so the hot path takes no locks.
 *
 * <p>Metrics ({@code metrics.enabled}, on by default) go to the Micrometer registry given to
 * {@link #BreakerVerticle(Clock, MeterRegistry)}; else to the one Vert.x reports its own metrics to, when the
 * Vert.x instance runs with {@code MicrometerMetricsOptions}; else to a Prometheus registry of the verticle's
 * own. {@code GET /metrics} on the HTTP server, or {@code MetricsRoutes} on any router, serves them.
 */
public class BreakerVerticle extends VerticleBase {
  private static final Logger LOG = System.getLogger(BreakerVerticle.class.getName());
  private static final String OWNERS_MAP = "io.tripstate.owners";

  private final Clock clock;
  private final MeterRegistry meterRegistry;
  private TripstateConfig config;
  private BreakerEngine engine;
  private Persistence persistence;
  private HistoryRecorder history;
  private BreakerApi api;
  private LocalView view;
  private OutcomeQueue outcomes;
  private HttpServer httpServer;
  private EventStream events;
  private BreakerMetrics metrics;
  private MeterRegistry ownRegistry;
  private boolean owner;
  private ClusterOwnership clusterOwnership;
  private Sharing sharing;
  private volatile ClusterOwnership.Standby standby;

  /** The verticle on the system clock. */
  public BreakerVerticle() {
    this(Clock.systemUTC());
  }

  /** The verticle on a given clock (tests, simulations). */
  public BreakerVerticle(Clock clock) {
    this(clock, null);
  }

  /**
   * The verticle on a given clock, whose metrics go to the application's own Micrometer registry: a
   * {@code PrometheusMeterRegistry} (or a composite holding one) to have its Prometheus text in
   * {@code GET /metrics} too. Any other registry gets tripstate's own meters (transitions, snapshot writes,
   * Redis); the per-breaker series are Prometheus text served by {@code GET /metrics} only.
   *
   * @param meterRegistry {@code null} for the default choice (see the class comment)
   */
  public BreakerVerticle(Clock clock, MeterRegistry meterRegistry) {
    this.clock = clock;
    this.meterRegistry = meterRegistry;
  }

  @Override
  public Future<?> start() {
    try {
      config = TripstateConfig.from(config());
      TripstateConfig.unknownKeys(config(), key ->
          LOG.log(Level.WARNING, "Unknown config key ''{0}'' is ignored (a typo?)", key));
      claimOwnership();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (config.cluster().scope() != ClusterConfig.Scope.CLUSTER) {
      return serve().onFailure(e -> stop());
    }
    ClusterConfig cluster = config.cluster();
    return ClusterOwnership.claim(vertx, config.address(), deploymentID(), cluster.lockTimeoutMs()).transform(claimed -> {
      if (claimed.succeeded()) {
        clusterOwnership = claimed.result();
        return serve().onFailure(e -> stop());
      }
      if (!cluster.standby()) {
        stop();
        return Future.failedFuture(claimed.cause());
      }
      LOG.log(Level.INFO, "Standing by for ''{0}'', owned by {1}: this deployment serves nothing until it holds the"
          + " cluster-wide lock, then restores from Redis and serves", config.address(),
          claimed.cause() instanceof ClusterOwnership.HeldElsewhere held ? held.holder() : claimed.cause().getMessage());
      standby = ClusterOwnership.standBy(vertx, config.address(), deploymentID(), cluster.lockTimeoutMs(),
          this::takeOver);
      return Future.succeededFuture();
    });
  }

  /** Builds the store, the engine and its listeners, then restores and serves (the event bus, then HTTP). */
  private Future<Void> serve() {
    SnapshotCodec.warmUp();
    RedisSnapshotStore store = config.persistence().enabled()
        ? new RedisSnapshotStore(vertx, config.redisOptions(), config.persistence()) : null;
    persistence = createPersistence(store);
    TransitionHistory transitions = createHistory(store);
    history = new HistoryRecorder(transitions, new VertxScheduler(vertx, clock));
    view = new LocalView(clock);
    metrics = config.metrics().enabled() ? createMetrics() : null;
    sharing = store == null ? null : SharingFactory.create(vertx, config, store, persistence,
        new VertxScheduler(vertx, clock), OnOwner.executor(context));
    // Listeners in order: the fast-path view is current before anyone hears of a transition; sharing decides
    // what is local before persistence asks.
    List<BreakerRegistry.Listener> listeners = new ArrayList<>(List.of(view,
        new TransitionEvents(vertx.eventBus(), config.transitionsAddress(), config.sharing().instanceId(),
            ClusterOwnership.nodeId(vertx))));
    if (sharing != null && config.sharing().enabled()) {
      listeners.add(sharing);
    }
    listeners.addAll(List.of(persistence, history));
    if (metrics != null) {
      listeners.add(metrics);
    }
    engine = new BreakerEngine(config::settingsFor, config.maxBreakers(), new VertxScheduler(vertx, clock),
        listeners);
    engine.registry().instanceId(config.sharing().instanceId());
    engine.registry().sharedNames(config::shared);
    api = new BreakerApi(vertx.eventBus(), config.address(), engine, persistence,
        persistence.acknowledgesWrites(), config.maxRequestBytes());
    api.serveHistory(transitions);
    if (sharing != null) {
      sharing.attach(engine);
      api.serveSharing(sharing);
      if (config.sharing().enabled()) {
        api.useTrialGate(SharingFactory.trialGate(engine, config, store, sharing, OnOwner.executor(context)));
      }
    }
    Future<Void> marked = sharing == null ? Future.succeededFuture() : sharing.mark();
    return marked.compose(v -> persistence.start(engine.registry()))
        .onSuccess(v -> {
          if (sharing != null) {
            sharing.start();
          }
        })
        .compose(v -> serveEventBus())
        .compose(v -> listenHttp())
        .onSuccess(v -> LOG.log(Level.INFO, "tripstate serves {0} breaker(s) on event-bus address ''{1}''",
            engine.size(), config.address()));
  }

  /** A standby got the cluster-wide lock: restore from Redis and serve, or undeploy when that fails. */
  private void takeOver(ClusterOwnership claimed) {
    standby = null;
    clusterOwnership = claimed;
    serve().onFailure(e -> {
      LOG.log(Level.ERROR, "Took over ''{0}'' but could not serve ({1}); undeploying, which releases the lock for"
          + " another standby", config.address(), e.getMessage());
      vertx.undeploy(deploymentID());
    });
  }

  /**
   * Whether this deployment waits as a standby ({@code cluster.standby}): it serves nothing until it holds the
   * cluster-wide lock, then restores and serves.
   */
  public boolean isStandby() {
    return standby != null;
  }

  /**
   * Stops in an order that loses nothing accepted: (a) take no more requests or fast-path outcomes; (b) record
   * every outcome the fast path already accepted; (c) let the {@code call}s in flight end, each bounded by its
   * timeout, and record them; then stop the engine's timer, so nothing changes any more; (d) write what is
   * pending to Redis (bounded by twice {@code commandTimeoutMs}); (e) only then close the Redis connections.
   */
  @Override
  public Future<?> stop() {
    if (standby != null) {
      standby.stop();
      standby = null;
    }
    // (a) Clients holding the view go back to the event bus, where no one listens any more.
    if (view != null && config != null) {
      view.withdraw(vertx, config.address());
    }
    // Streams end first: an open /events response would otherwise hold the server's close.
    Future<Void> eventsClosed = events == null ? Future.succeededFuture() : events.close();
    Future<Void> httpClosed = httpServer == null ? eventsClosed : eventsClosed.eventually(httpServer::close);
    Future<Void> unregistered = Future.join(api == null ? Future.succeededFuture() : api.stopListening(),
        httpClosed).mapEmpty();
    // (a) Refuses new offers at once; (b) completes when every accepted outcome was recorded.
    Future<Void> outcomesRecorded = outcomes == null ? Future.succeededFuture() : outcomes.close();
    return Future.join(unregistered, outcomesRecorded)
        .eventually(() -> api == null ? Future.succeededFuture() : api.callsFinished()) // (c)
        .eventually(() -> {
          if (engine != null) {
            engine.close();
          }
          if (history != null) {
            history.close(); // the Redis client it shares with persistence closes below
          }
          // (d) then (e): persistence flushes, then closes the store; sharing stops reading first, and announces
          // the last writes and leaves before the store closes.
          if (sharing != null) {
            sharing.stopReading();
          }
          return persistence == null ? Future.succeededFuture()
              : persistence.stop(() -> sharing == null ? Future.succeededFuture() : sharing.leave());
        })
        .eventually(() -> {
          if (metrics != null) {
            metrics.close();
          }
          if (ownRegistry != null) {
            ownRegistry.close();
          }
          releaseOwnership();
          // Last: a successor may take over only once everything accepted here is in Redis.
          return clusterOwnership == null ? Future.succeededFuture() : clusterOwnership.release();
        });
  }

  /** Opens the API and the fast path (the view already reflects the restored breakers). */
  private Future<Void> serveEventBus() {
    return api.listen(config.cluster().scope() == ClusterConfig.Scope.CLUSTER).onSuccess(v -> {
      if (config.fastPath().enabled()) {
        outcomes = new OutcomeQueue(task -> context.runOnContext(none -> task.run()), engine.scheduler(),
            config.fastPath().queueCapacity(), view.countingPermitted(OutcomeQueue.engineSink(engine)));
        view.publish(vertx, config.address(), outcomes);
      }
      if (metrics != null) {
        metrics.publish();
      }
    });
  }

  /** The port the HTTP status routes listen on, or -1 when HTTP is off or not started yet. */
  public int httpPort() {
    return httpServer == null ? -1 : httpServer.actualPort();
  }

  private BreakerMetrics createMetrics() {
    MeterRegistries.Choice choice = MeterRegistries.choose(vertx, meterRegistry, config.metrics().registryName());
    ownRegistry = choice.own() ? choice.registry() : null;
    return new BreakerMetrics(vertx, context, new VertxScheduler(vertx, clock), choice.registry(),
        config.address(), view, persistence::status);
  }

  private Persistence createPersistence(RedisSnapshotStore store) {
    VertxScheduler scheduler = new VertxScheduler(vertx, clock);
    Executor onOwner = OnOwner.executor(context);
    if (store == null) {
      return new Persistence(scheduler, onOwner, null, config.persistence(), "(disabled)", name -> "");
    }
    return new Persistence(scheduler, onOwner, store, config.persistence(), config.redisDescription(), store::key);
  }

  /** A Redis stream per breaker on the snapshots' client, or memory when persistence is off. */
  private TransitionHistory createHistory(RedisSnapshotStore store) {
    if (!config.history().enabled()) {
      return TransitionHistory.NONE;
    }
    return store == null ? new MemoryTransitionHistory(config.history(), new VertxScheduler(vertx, clock))
        : new RedisTransitionHistory(context, store.client(), new VertxScheduler(vertx, clock), config.persistence(),
            config.history());
  }

  private Future<Void> listenHttp() {
    HttpConfig http = config.http();
    if (http.port() == null) {
      return Future.succeededFuture();
    }
    Router router = HttpRoutes.router(vertx, config.address(), http);
    if (metrics != null) {
      router.get("/metrics").handler(MetricsRoutes.handler(vertx, config.address()));
    }
    events = new EventStream(vertx, config.transitionsAddress(), persistence::health, http.eventsKeepAliveMs());
    router.get("/events").handler(events::handle);
    Dashboard.mount(router);
    return events.start().compose(v -> vertx.createHttpServer()
            .requestHandler(router)
            .listen(http.port(), http.host()))
        .map(server -> {
          httpServer = server;
          LOG.log(Level.INFO, "HTTP status routes listen on http://{0}:{1,number,#}/breakers (admin routes {2}, "
              + "decision API {3})", http.host(), server.actualPort(),
              http.adminToken() != null ? "on, token required" : "off",
              http.apiToken() != null ? "on, token required" : "off");
          return null;
        });
  }

  private void claimOwnership() {
    if (context.getInstanceCount() > 1) {
      throw new IllegalStateException("BreakerVerticle must be deployed with instances = 1 (was "
          + context.getInstanceCount() + "): one instance owns the breakers of a Vert.x instance");
    }
    LocalMap<String, String> owners = vertx.sharedData().getLocalMap(OWNERS_MAP);
    String previous = owners.putIfAbsent(config.address(), deploymentID());
    if (previous != null) {
      throw new IllegalStateException("a BreakerVerticle already owns event-bus address '" + config.address()
          + "' (deployment " + previous + "); deploy one per Vert.x instance or give each its own address");
    }
    owner = true;
  }

  private void releaseOwnership() {
    if (owner) {
      vertx.sharedData().<String, String>getLocalMap(OWNERS_MAP).remove(config.address(), deploymentID());
      owner = false;
    }
  }
}
