package io.tripstate.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.json}: the OpenAPI 3.1 document of every route the status server can serve, kept as the
 * resource {@value #RESOURCE} and read once, off the event loop.
 */
final class OpenApiDocument {
  static final String RESOURCE = "io/tripstate/http/openapi.json";

  private OpenApiDocument() {}

  static void mount(Router router, Vertx vertx) {
    Future<Buffer> document = vertx.executeBlocking(OpenApiDocument::read);
    router.get("/openapi.json").handler(ctx -> document.onComplete(result -> {
      if (result.succeeded()) {
        ctx.response().putHeader("content-type", "application/json").end(result.result());
      } else {
        ctx.fail(result.cause());
      }
    }));
  }

  static Buffer read() {
    try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the resource " + RESOURCE + " is missing from the class path");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
