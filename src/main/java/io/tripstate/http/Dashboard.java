package io.tripstate.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The dashboard: {@code GET /} serves one static page (HTML, vanilla JavaScript and CSS from the class path,
 * under {@code io/tripstate/http/dashboard/}) that lists every breaker from {@code GET /breakers}, follows
 * {@code GET /events} live, and calls the admin routes with a token the operator types in. It needs no build
 * step and no other server: everything it reads is served by the same router.
 *
 * <p>The page builds its DOM with {@code textContent} only, and the responses forbid inline scripts and
 * foreign origins (Content-Security-Policy), so a breaker name can never run as script.
 */
public final class Dashboard {
  /** Where the page's files live on the class path. */
  static final String RESOURCES = "io/tripstate/http/dashboard";
  private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
      + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private Dashboard() {}

  /** Adds {@code GET /} and the page's assets under {@code /dashboard/} to {@code router}. */
  public static void mount(Router router) {
    // The page is small and changes with the jar: a stale cached copy could call routes that moved.
    StaticHandler files = StaticHandler.create(RESOURCES).setCachingEnabled(false);
    // Served at "/" itself rather than redirected: the page's links are relative to "/" ("breakers", "events").
    // The page itself is answered from memory, not rerouted to the file handler: with the reroute, a request
    // on the same keep-alive connection after some page requests went unanswered (HTTP fuzz test).
    Buffer page = page();
    router.get("/").handler(Dashboard::secure).handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/html; charset=utf-8").putHeader("Cache-Control", "no-cache").end(page));
    router.get("/dashboard/*").handler(Dashboard::secure).handler(files);
  }

  private static Buffer page() {
    try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(RESOURCES + "/index.html")) {
      if (in == null) {
        throw new IllegalStateException("the dashboard page " + RESOURCES + "/index.html is not on the class path");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void secure(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-cache");
    ctx.next();
  }
}
