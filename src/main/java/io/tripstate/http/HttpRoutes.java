package io.tripstate.http;

import io.tripstate.config.HttpConfig;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.ext.web.Router;

/**
 * Every route the verticle's own HTTP server serves, as its {@link HttpConfig} says: the status routes and
 * {@code GET /openapi.json} always; the admin routes with {@code http.adminToken} and the decision API with
 * {@code http.apiToken} (each 404 without). All of them ask the verticle over the event bus.
 */
public final class HttpRoutes {
  private HttpRoutes() {}

  /** The routes of the status server, asking the verticle on {@code address}. */
  public static Router router(Vertx vertx, String address, HttpConfig http) {
    ApiCaller api = new ApiCaller(vertx, address, DeliveryOptions.DEFAULT_TIMEOUT);
    Router router = Router.router(vertx);
    StatusRoutes.mount(router, api);
    // Without a token the protected paths answer 404, saying which setting serves them.
    if (http.adminToken() != null) {
      AdminRoutes.mount(router, api, http.adminToken(), http.maxBodyBytes());
    } else {
      AdminRoutes.mountAbsent(router);
    }
    if (http.apiToken() != null) {
      DecisionRoutes.mount(router, api, http.apiToken(), http.maxBodyBytes());
    } else {
      DecisionRoutes.mountAbsent(router);
    }
    return router;
  }
}
