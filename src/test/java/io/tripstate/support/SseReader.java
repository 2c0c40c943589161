package io.tripstate.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * A Server-Sent Events reader over a raw Vert.x {@link HttpClient}: vertx-web-client (with its
 * {@code BodyCodec.sseStream}) is not a dependency, and the keep-alive tests need to see comment lines. Lines are
 * framed by Vert.x's {@link RecordParser}; an event is dispatched at its blank line, as a browser does. Opening
 * returns once the response headers arrived, before any event.
 */
public final class SseReader implements AutoCloseable {
  /** One dispatched event: its type ({@code message} when unnamed), its data lines, and how many there were. */
  public record Event(String type, String data, int dataLines) {
    public JsonObject json() {
      return new JsonObject(data);
    }
  }

  private final HttpClient client;
  private final HttpClientResponse response;
  private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong transitions = new AtomicLong();
  private final AtomicInteger comments = new AtomicInteger();
  private volatile boolean ended;
  private String type;
  private final StringBuilder data = new StringBuilder();
  private int dataLines;

  private SseReader(HttpClient client, HttpClientResponse response) {
    this.client = client;
    this.response = response;
    RecordParser lines = RecordParser.newDelimited("\n", this::line);
    response.handler(lines);
    response.endHandler(v -> ended = true);
    response.exceptionHandler(e -> ended = true);
  }

  /**
   * Opens {@code GET path} on {@code 127.0.0.1:port}; returns when the headers arrived (at most 5 s).
   *
   * @param receiveBufferBytes the client socket's receive buffer (small makes a paused reader fall behind
   *     sooner); 0 keeps the system's default
   */
  public static SseReader open(Vertx vertx, int port, String path, int receiveBufferBytes) {
    HttpClientOptions options = new HttpClientOptions();
    if (receiveBufferBytes > 0) {
      options.setReceiveBufferSize(receiveBufferBytes);
    }
    HttpClient client = vertx.createHttpClient(options);
    // The handlers are set on the client's event loop as the response arrives: set later from this thread,
    // they could miss the first chunks.
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
            .setPort(port).setURI(path).addHeader("Accept", "text/event-stream"))
        .compose(request -> request.send())
        .map(response -> new SseReader(client, response))
        .timeout(5, TimeUnit.SECONDS)
        .await();
  }

  public static SseReader open(Vertx vertx, int port) {
    return open(vertx, port, "/events", 0);
  }

  private void line(Buffer raw) {
    String line = raw.toString();
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    if (line.isEmpty()) {
      if (dataLines > 0) {
        Event event = new Event(type == null ? "message" : type, data.toString(), dataLines);
        events.add(event);
        if (event.type().equals("message")) {
          transitions.incrementAndGet();
        }
      }
      type = null;
      data.setLength(0);
      dataLines = 0;
    } else if (line.startsWith(":")) {
      comments.incrementAndGet();
    } else if (line.startsWith("event:")) {
      type = line.substring(6).strip();
    } else if (line.startsWith("data:")) {
      if (dataLines++ > 0) {
        data.append('\n');
      }
      data.append(line.substring(5).stripLeading());
    }
  }

  public HttpClientResponse response() {
    return response;
  }

  /** Every event received so far, in order. */
  public List<Event> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** The unnamed events (transitions) received so far, as JSON. */
  public List<JsonObject> transitions() {
    return eventsOfType("message");
  }

  public long transitionCount() {
    return transitions.get();
  }

  /** The {@code data} of every event of a type, as JSON. */
  public List<JsonObject> eventsOfType(String eventType) {
    return events().stream().filter(e -> e.type().equals(eventType)).map(Event::json).collect(Collectors.toList());
  }

  public int comments() {
    return comments.get();
  }

  /** Whether the server ended or closed the stream. */
  public boolean ended() {
    return ended;
  }

  /** Stops reading: once the client's buffers are full, TCP makes the server's write queue grow. */
  public void pause() {
    response.pause();
  }

  public void resume() {
    response.resume();
  }

  @Override
  public void close() {
    client.close().timeout(5, TimeUnit.SECONDS).await();
  }
}
