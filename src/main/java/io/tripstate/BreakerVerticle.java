package io.tripstate;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.Transition;
import io.tripstate.bus.BreakerApi;
import io.tripstate.bus.LocalView;
import io.tripstate.bus.OutcomeQueue;
import io.tripstate.bus.TransitionEvents;
import io.tripstate.config.HttpConfig;
import io.tripstate.config.TripstateConfig;
import io.tripstate.engine.VertxScheduler;
import io.tripstate.history.HistoryRecorder;
import io.tripstate.history.MemoryTransitionHistory;
import io.tripstate.history.RedisTransitionHistory;
import io.tripstate.history.TransitionHistory;
import io.tripstate.http.HttpRoutes;
import io.tripstate.store.Persistence;
import io.tripstate.store.RedisSnapshotStore;
import io.tripstate.store.SnapshotCodec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.Router;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;

/**
 * Owns the state of named circuit breakers: answers the event-bus API, writes a snapshot to Redis on every
 * transition, restores the snapshots before it serves, and serves HTTP status routes when configured.
 *
 * <p>Deploy it once per Vert.x instance, by class name or instance:
 * {@code vertx.deployVerticle("io.tripstate.BreakerVerticle", new DeploymentOptions().setConfig(json))}.
 * A deployment with {@code instances > 1}, or a second deployment on the same address, is refused: the
 * breakers must have a single owner.
 *
 * <p>All breaker state is confined to this verticle's event loop: the consumer, timers and Redis callbacks
 * run there, so the hot path takes no locks.
 */
public class BreakerVerticle extends VerticleBase {
  private static final Logger LOG = System.getLogger(BreakerVerticle.class.getName());
  private static final String OWNERS_MAP = "io.tripstate.owners";

  private final Clock clock;
  private TripstateConfig config;
  private BreakerRegistry registry;
  private Persistence persistence;
  private HistoryRecorder history;
  private BreakerApi api;
  private LocalView view;
  private OutcomeQueue outcomes;
  private HttpServer httpServer;
  private boolean owner;

  /** The verticle on the system clock. */
  public BreakerVerticle() {
    this(Clock.systemUTC());
  }

  /** The verticle on a given clock (tests, simulations). */
  public BreakerVerticle(Clock clock) {
    this.clock = clock;
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
    SnapshotCodec.warmUp();
    RedisSnapshotStore store = config.persistence().enabled()
        ? new RedisSnapshotStore(vertx, config.redisOptions(), config.persistence()) : null;
    persistence = createPersistence(store);
    TransitionHistory transitions = createHistory(store);
    history = new HistoryRecorder(transitions, new VertxScheduler(vertx, clock));
    view = new LocalView(clock);
    TransitionEvents events = new TransitionEvents(vertx.eventBus(), config.transitionsAddress(), view,
        new Both(persistence, history));
    registry = new BreakerRegistry(config::settingsFor, config.maxBreakers(), clock.millis() << 20, events);
    api = new BreakerApi(vertx, vertx.eventBus(), config.address(), registry, persistence, clock,
        config.maxRequestBytes());
    api.serveHistory(transitions);
    persistence.afterLateRestore(api::rearmDeadlines);
    return persistence.start(registry)
        .compose(v -> serveEventBus())
        .compose(v -> listenHttp())
        .onSuccess(v -> LOG.log(Level.INFO, "tripstate serves {0} breaker(s) on event-bus address ''{1}''",
            registry.size(), config.address()))
        .onFailure(e -> stop());
  }

  @Override
  public Future<?> stop() {
    if (view != null && config != null) {
      view.withdraw(vertx, config.address());
    }
    if (outcomes != null) {
      outcomes.close(); // records the outcomes of calls the view permitted before it was withdrawn
    }
    Future<Void> apiClosed = api == null ? Future.succeededFuture() : api.close();
    Future<Void> httpClosed = httpServer == null ? Future.succeededFuture() : httpServer.close();
    if (history != null) {
      history.close(); // the Redis client it shares with persistence closes below
    }
    Future<Void> flushed = persistence == null ? Future.succeededFuture() : persistence.stop();
    return Future.join(apiClosed, httpClosed, flushed).eventually(() -> {
      releaseOwnership();
      return Future.succeededFuture();
    });
  }

  /** Opens the API and the fast path (the view already reflects the restored breakers). */
  private Future<Void> serveEventBus() {
    return api.listen().onSuccess(v -> {
      if (config.fastPath().enabled()) {
        outcomes = OutcomeQueue.intoRegistry(context, config.fastPath().queueCapacity(), registry, clock);
        view.publish(vertx, config.address(), outcomes);
      }
    });
  }

  /** The port the HTTP status routes listen on, or -1 when HTTP is off or not started yet. */
  public int httpPort() {
    return httpServer == null ? -1 : httpServer.actualPort();
  }

  private Persistence createPersistence(RedisSnapshotStore store) {
    if (store == null) {
      return new Persistence(vertx, context, null, config.persistence(), "(disabled)", name -> "");
    }
    return new Persistence(vertx, context, store, config.persistence(), config.redisDescription(), store::key);
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

  /** Tells persistence, then the history, of every change (until the engine holds a list of listeners). */
  private record Both(BreakerRegistry.Listener first, BreakerRegistry.Listener second)
      implements BreakerRegistry.Listener {
    @Override
    public void onTransition(Breaker breaker, Transition transition) {
      first.onTransition(breaker, transition);
      second.onTransition(breaker, transition);
    }

    @Override
    public void onCounterChange(Breaker breaker) {
      first.onCounterChange(breaker);
      second.onCounterChange(breaker);
    }

    @Override
    public void onCreated(Breaker breaker) {
      first.onCreated(breaker);
      second.onCreated(breaker);
    }

    @Override
    public void onRestored(Breaker breaker) {
      first.onRestored(breaker);
      second.onRestored(breaker);
    }
  }

  private Future<Void> listenHttp() {
    HttpConfig http = config.http();
    if (http.port() == null) {
      return Future.succeededFuture();
    }
    Router router = HttpRoutes.router(vertx, config.address(), http);
    return vertx.createHttpServer()
        .requestHandler(router)
        .listen(http.port(), http.host())
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
