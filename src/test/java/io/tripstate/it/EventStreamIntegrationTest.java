package io.tripstate.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tripstate.BreakerClient;
import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.tripstate.support.RedisServerProcess;
import io.tripstate.support.SseReader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code GET /events} against a private Redis: headers at once, transitions, persistence health, slow readers. */
@ExtendWith(VertxExtension.class)
class EventStreamIntegrationTest {
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();
  /** The readers run in a Vert.x of their own, as a browser would be another process. */
  private final Vertx clients = Vertx.vertx();
  private final List<SseReader> readers = new ArrayList<>();
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final Handler warningCapture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      warnings.add(String.valueOf(record.getMessage()));
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };
  private final Logger streamLogger = Logger.getLogger("io.tripstate.http.EventStream");
  private final Logger transitionLogger = Logger.getLogger("io.tripstate.bus.TransitionEvents");
  private JsonObject config;
  private Bus bus;
  private int port;

  private void deploy(Vertx vertx, long keepAliveMs) {
    config = Deployments.config(redis.url())
        .put("http", new JsonObject().put("port", 0).put("eventsKeepAliveMs", keepAliveMs));
    BreakerVerticle verticle = Deployments.deploy(vertx, config, MutableClock.startingNow());
    bus = Deployments.bus(vertx, config);
    port = verticle.httpPort();
    streamLogger.addHandler(warningCapture);
  }

  private SseReader read() {
    return read(0);
  }

  private SseReader read(int receiveBufferBytes) {
    SseReader reader = SseReader.open(clients, port, "/events", receiveBufferBytes);
    readers.add(reader);
    return reader;
  }

  @AfterEach
  void closeReaders() {
    streamLogger.removeHandler(warningCapture);
    transitionLogger.setLevel(null);
    readers.forEach(SseReader::close);
    clients.close().await();
  }

  @Test
  void sendsTheHeadersAtOnceAndThePersistenceHealthBeforeAnyTransition(Vertx vertx) {
    // Given a verticle in which nothing happens
    deploy(vertx, 15_000);

    // When a reader connects
    SseReader reader = read();

    // Then the headers arrived (open() returns only then) and the first event is the persistence health
    assertThat(reader.response().statusCode()).isEqualTo(200);
    assertThat(reader.response().getHeader("content-type")).startsWith("text/event-stream");
    assertThat(reader.response().getHeader("cache-control")).isEqualTo("no-cache");
    await().atMost(Duration.ofSeconds(2)).until(() -> !reader.events().isEmpty());
    assertThat(reader.events().get(0).type()).isEqualTo("persistence");
    assertThat(reader.events().get(0).json()).isEqualTo(new JsonObject().put("persistence", "UP"));
    assertThat(reader.transitions()).isEmpty();
  }

  @Test
  void streamsEveryTransitionAsOneDataLineWithTheFieldsOfTheTransitionsAddress(Vertx vertx) {
    // Given a reader, and a consumer of the transitions address to compare with
    deploy(vertx, 15_000);
    SseReader reader = read();
    List<JsonObject> published = new CopyOnWriteArrayList<>();
    Bus.await(vertx.eventBus().<JsonObject>consumer(config.getString("transitionsAddress"),
        message -> published.add(message.body())).completion());

    // When a breaker opens on failures and is reset
    bus.record("payments", "failure");
    bus.record("payments", "failure");
    bus.send("reset", new JsonObject().put("name", "payments"));

    // Then the reader gets the same two transitions, each a single data line, in order
    await().atMost(Duration.ofSeconds(2)).until(() -> reader.transitions().size() == 2);
    assertThat(reader.transitions()).isEqualTo(published);
    JsonObject opened = reader.transitions().get(0);
    assertThat(opened.fieldNames()).contains("name", "from", "to", "at", "reason", "version");
    assertThat(opened.getString("name")).isEqualTo("payments");
    assertThat(opened.getString("from")).isEqualTo("closed");
    assertThat(opened.getString("to")).isEqualTo("open");
    assertThat(opened.getString("reason")).isEqualTo("failure_threshold");
    assertThat(reader.transitions().get(1).getString("reason")).isEqualTo("reset");
    assertThat(reader.events()).allMatch(event -> event.dataLines() == 1);
  }

  @Test
  void sendsKeepAliveCommentsAtTheConfiguredInterval(Vertx vertx) {
    // Given a keep-alive every 100 ms
    deploy(vertx, 100);

    // When a reader waits while nothing happens
    SseReader reader = read();

    // Then comments arrive, and no events besides the first health event
    await().atMost(Duration.ofSeconds(3)).until(() -> reader.comments() >= 5);
    assertThat(reader.events()).hasSize(1);
  }

  @Test
  void announcesWhenPersistenceGoesDownAndComesBack(Vertx vertx) {
    // Given a reader that saw persistence UP
    deploy(vertx, 15_000);
    SseReader reader = read();
    await().atMost(Duration.ofSeconds(2)).until(() -> reader.eventsOfType("persistence").size() == 1);

    // When Redis is killed, then started again
    redis.kill();
    await().atMost(Duration.ofSeconds(5)).until(() -> reader.eventsOfType("persistence").size() == 2);
    redis.restart();

    // Then the reader is told DOWN, then UP, with no repeats in between
    await().atMost(Duration.ofSeconds(5)).until(() -> reader.eventsOfType("persistence").size() == 3);
    assertThat(reader.eventsOfType("persistence")).extracting(e -> e.getString("persistence"))
        .containsExactly("UP", "DOWN", "UP");
  }

  @Test
  void dropsAReaderThatStopsReadingWhileAFastReaderGetsEveryTransition(Vertx vertx) throws Exception {
    // Given a fast reader and a slow one that stops reading (with a small receive buffer, to fall behind sooner)
    deploy(vertx, 15_000);
    SseReader fast = read();
    SseReader slow = read(4_096);
    await().atMost(Duration.ofSeconds(2)).until(() -> slow.events().size() == 1 && fast.events().size() == 1);
    slow.pause();
    // One INFO line per transition would make the log, not the stream, the bottleneck of this flood.
    transitionLogger.setLevel(Level.WARNING);
    BreakerClient client = BreakerClient.create(vertx, config.getString("address"));

    // When transitions flow until the slow reader is dropped, then some more
    long sent = 0;
    long deadline = System.nanoTime() + SECONDS.toNanos(60);
    while (warnings.stream().noneMatch(w -> w.contains("dropped the reader")) && System.nanoTime() < deadline) {
      sent += transitions(client, 500);
    }
    long sentWhenDropped = sent;
    sent += transitions(client, 500);
    long total = sent;

    // Then the slow reader was dropped (it sees its stream end once it reads again), having got far fewer events
    assertThat(warnings).as("a drop within 60 s").anyMatch(w -> w.contains("dropped the reader"));
    slow.resume();
    await().atMost(Duration.ofSeconds(10)).until(slow::ended);
    assertThat(slow.transitionCount()).isLessThan(sentWhenDropped);
    // And the fast reader got every transition, including those after the drop, in order
    await().atMost(Duration.ofSeconds(10)).until(() -> fast.transitionCount() == total);
    assertThat(fast.ended()).isFalse();
    List<JsonObject> got = fast.transitions();
    for (int i = 1; i < got.size(); i++) {
      JsonObject previous = got.get(i - 1);
      JsonObject next = got.get(i);
      if (previous.getString("name").equals(next.getString("name"))) {
        assertThat(next.getLong("version")).isGreaterThan(previous.getLong("version"));
      }
    }
    System.out.printf("[events] slow reader dropped after %d transitions (it had read %d); fast reader got all %d%n",
        sentWhenDropped, slow.transitionCount(), total);
  }

  @Test
  void undeployingEndsOpenStreamsAtOnce(Vertx vertx) {
    // Given a connected reader
    deploy(vertx, 15_000);
    SseReader reader = read();

    // When the verticle is undeployed
    long started = System.nanoTime();
    Bus.await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));

    // Then the undeployment did not wait for the stream, and the reader sees its end
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(2_000);
    await().atMost(Duration.ofSeconds(2)).until(reader::ended);
  }

  /** Sends {@code count} force_open / reset requests (one transition each) over 50 breakers; returns count. */
  private static long transitions(BreakerClient client, int count) {
    List<Future<JsonObject>> replies = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String name = "flood-" + (i % 50);
      replies.add((i / 50) % 2 == 0 ? client.forceOpen(name, null) : client.reset(name));
    }
    Bus.await(Future.all(replies));
    return count;
  }
}
