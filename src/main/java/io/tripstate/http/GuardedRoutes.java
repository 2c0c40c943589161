package io.tripstate.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** POST routes behind a bearer token, shared by the admin routes and the decision API. */
final class GuardedRoutes {
  private GuardedRoutes() {}

  /**
   * Adds {@code handler} for POSTs to {@code pathRegex}, behind {@code auth}, with bodies up to
   * {@code maxBodyBytes} (413 beyond).
   */
  static void mount(Router router, String pathRegex, BearerAuth auth, long maxBodyBytes,
      Handler<RoutingContext> handler) {
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be at least 1, was " + maxBodyBytes);
    }
    // Two routes, because vertx-web puts a body handler first on its route: this way the token is checked
    // (synchronously, so no body is lost) before a body is read, and a stranger gets no buffer of ours.
    router.postWithRegex(pathRegex).handler(auth::handle);
    router.postWithRegex(pathRegex)
        .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
        .handler(handler)
        .failureHandler(ctx -> Replies.failed(ctx, maxBodyBytes));
  }
}
