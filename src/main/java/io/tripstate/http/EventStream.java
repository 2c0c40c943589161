package io.tripstate.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code GET /events}: a Server-Sent Events stream ({@code text/event-stream}) of what happens to the breakers.
 *
 * <ul>
 *   <li>Every transition published on the transitions address, as one unnamed event whose single {@code data:}
 *       line is the published JSON ({@code {"name", "from", "to", "at", "reason", "version"}}).
 *   <li>{@code event: persistence} with {@code {"persistence": "UP" | "DOWN" | "DISABLED"}}: once when the
 *       stream opens, then whenever the persistence health changes (checked every 250 ms while anyone reads).
 *   <li>A comment line ({@code :}) every {@code keepAliveMs}, so that proxies keep the stream open and a
 *       vanished reader is noticed.
 * </ul>
 *
 * <p>The headers go out at once, before the first event. The events of one event-loop turn go out as one
 * write per reader, so a burst costs a write per reader, not one per event and reader. Nothing is buffered
 * for a reader beyond its connection's write queue (Netty's high-water mark, 64 KiB, plus the socket's
 * buffers): a reader whose queue is full when the next events come is dropped (its connection closed), so a
 * stalled reader costs a bounded amount of memory and never slows the others. {@code EventSource} reconnects
 * by itself; the dashboard then reloads the current state.
 *
 * <p>Confined to the event loop of the verticle that creates it: the consumer, the timers and the HTTP
 * requests of the verticle's own server all run there, so the list of readers needs no lock. Mount it only
 * on that server.
 */
public final class EventStream {
  private static final Logger LOG = System.getLogger(EventStream.class.getName());
  /** How often the persistence health is compared with the last one sent. */
  static final long HEALTH_CHECK_MS = 250;
  /** Reconnection delay that {@code EventSource} clients use after the stream ended. */
  static final long RETRY_MS = 1_000;
  private static final Buffer KEEP_ALIVE = Buffer.buffer(":\n\n");

  private final Vertx vertx;
  private final String transitionsAddress;
  private final Supplier<String> persistenceHealth;
  private final long keepAliveMs;
  private final List<Reader> readers = new ArrayList<>();

  /** A connected reader and where it reads from, for the log line when it is dropped. */
  private record Reader(HttpServerResponse response, String remote) {}

  private MessageConsumer<Object> consumer;
  private Context context;
  /** Events of this event-loop turn, written to every reader at its end in one write each. */
  private Buffer pending;
  private long keepAliveTimer = -1;
  private long healthTimer = -1;
  private String lastHealth;
  private boolean closed;

  /**
   * @param transitionsAddress the event-bus address where the verticle publishes transitions
   * @param persistenceHealth the persistence health now ({@code UP}, {@code DOWN} or {@code DISABLED})
   * @param keepAliveMs interval of keep-alive comments, ms; 0 sends none
   */
  public EventStream(Vertx vertx, String transitionsAddress, Supplier<String> persistenceHealth, long keepAliveMs) {
    this.vertx = vertx;
    this.transitionsAddress = transitionsAddress;
    this.persistenceHealth = persistenceHealth;
    this.keepAliveMs = keepAliveMs;
  }

  /** Starts listening to transitions; call on the owning verticle's context before serving. */
  public Future<Void> start() {
    // Local: in a cluster, every node's stream shows the transitions of its own breakers only.
    context = vertx.getOrCreateContext();
    consumer = vertx.eventBus().localConsumer(transitionsAddress, this::onTransition);
    return consumer.completion();
  }

  /** The route handler of {@code GET /events}. */
  public void handle(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (closed) {
      Replies.error(ctx, 503, "the event stream is shutting down");
      return;
    }
    response.setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("X-Accel-Buffering", "no"); // nginx would otherwise hold events back in its buffer
    response.writeHead();
    if (readers.isEmpty()) {
      lastHealth = persistenceHealth.get();
      startTimers();
    }
    Reader reader = new Reader(response, String.valueOf(ctx.request().remoteAddress()));
    readers.add(reader);
    response.closeHandler(v -> removeReader(reader));
    response.write(Buffer.buffer("retry: " + RETRY_MS + "\n").appendBuffer(persistenceEvent(persistenceHealth.get())));
  }

  /** Stops listening and ends every stream (so that the HTTP server can close at once). */
  public Future<Void> close() {
    closed = true;
    cancelTimers();
    for (Reader reader : List.copyOf(readers)) {
      if (!reader.response().ended() && !reader.response().closed()) {
        reader.response().end();
      }
    }
    readers.clear();
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  private void onTransition(Message<Object> message) {
    if (readers.isEmpty()) {
      return;
    }
    String json;
    try {
      json = Json.encode(message.body());
    } catch (EncodeException e) {
      LOG.log(Level.WARNING, "A message on ''{0}'' is not JSON and is not streamed: {1}", transitionsAddress,
          e.getMessage());
      return;
    }
    enqueue(Buffer.buffer(json.length() + 8).appendString("data: ").appendString(json).appendString("\n\n"));
  }

  /**
   * Adds an event to the batch of this event-loop turn. Each transition arrives as a task of its own, so a
   * burst becomes one write (and one flush) per reader instead of one per event and reader.
   */
  private void enqueue(Buffer event) {
    if (pending == null) {
      pending = Buffer.buffer(256);
      context.runOnContext(v -> {
        Buffer batch = pending;
        pending = null;
        broadcast(batch);
      });
    }
    pending.appendBuffer(event);
  }

  /** Writes to every reader, dropping those whose write queue is full instead of queueing more for them. */
  private void broadcast(Buffer event) {
    for (Iterator<Reader> it = readers.iterator(); it.hasNext(); ) {
      Reader reader = it.next();
      if (reader.response().writeQueueFull()) {
        it.remove();
        drop(reader);
      } else {
        reader.response().write(event);
      }
    }
    if (readers.isEmpty()) {
      cancelTimers();
    }
  }

  private void drop(Reader reader) {
    LOG.log(Level.WARNING, "GET /events: dropped the reader at {0}: it did not keep up (its write queue was full)",
        reader.remote());
    reader.response().reset(); // closes an HTTP/1.x connection, discarding what it still held
  }

  private void checkHealth() {
    String health = persistenceHealth.get();
    if (!health.equals(lastHealth)) {
      lastHealth = health;
      enqueue(persistenceEvent(health));
    }
  }

  private static Buffer persistenceEvent(String health) {
    return Buffer.buffer("event: persistence\ndata: " + new JsonObject().put("persistence", health).encode() + "\n\n");
  }

  private void removeReader(Reader reader) {
    if (readers.remove(reader) && readers.isEmpty()) {
      cancelTimers();
    }
  }

  private void startTimers() {
    healthTimer = vertx.setPeriodic(HEALTH_CHECK_MS, id -> checkHealth());
    if (keepAliveMs > 0) {
      keepAliveTimer = vertx.setPeriodic(keepAliveMs, id -> enqueue(KEEP_ALIVE));
    }
  }

  private void cancelTimers() {
    vertx.cancelTimer(healthTimer);
    vertx.cancelTimer(keepAliveTimer);
    healthTimer = -1;
    keepAliveTimer = -1;
  }
}
