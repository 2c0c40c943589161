package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Seeded fuzzing of the event-bus API and the HTTP routes: every random message or request is answered with
 * an allowed code, nothing reaches Vert.x's exception handler or logs an ERROR, and the verticle serves
 * normally afterwards. The seed is printed; rerun a run with {@code -Dtripstate.fuzz.seed=N}. The inputs
 * follow from the seed, except the permits that are reused from earlier replies.
 */
@ExtendWith(VertxExtension.class)
class FuzzIntegrationTest {
  private static final long SEED = Long.getLong("tripstate.fuzz.seed", System.nanoTime());
  private static final int MESSAGES = 20_000;
  private static final int HTTP_REQUESTS = 2_000;
  private static final int MAX_REQUEST_BYTES = 65_536;
  private static final String TOKEN = "fuzz-token-" + UUID.randomUUID();
  private static final Set<Integer> API_CODES = Set.of(400, 404, 409, 429);
  /** What the fuzz target fails with; a {@code call} passes these through. No 500: that one is ours alone. */
  private static final int[] TARGET_CODES = {400, 404, 418, 422, 502, 503, 599};
  private static final Set<Integer> CALL_CODES = Set.of(400, 404, 409, 429, 503, 504, 418, 422, 502, 599);

  private final Queue<Throwable> unhandled = new ConcurrentLinkedQueue<>();
  private final Queue<String> errorLogs = new ConcurrentLinkedQueue<>();
  private final Handler errorCapture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      String logger = String.valueOf(record.getLoggerName());
      if (record.getLevel().intValue() >= Level.SEVERE.intValue() && logger.startsWith("io.tripstate")) {
        errorLogs.add(logger + ": " + record.getMessage() + " " + record.getThrown());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private JsonObject config;
  private BreakerVerticle verticle;
  private Bus bus;
  private String target;

  @BeforeAll
  static void printSeed() {
    System.out.println("FuzzIntegrationTest seed " + SEED + " (rerun with -Dtripstate.fuzz.seed=" + SEED + ")");
  }

  @BeforeEach
  void deploy(Vertx vertx) {
    vertx.exceptionHandler(unhandled::add);
    Logger.getLogger("").addHandler(errorCapture);
    config = Deployments.config()
        .put("maxBreakers", 200)
        .put("maxRequestBytes", MAX_REQUEST_BYTES)
        .put("http", new JsonObject().put("port", 0).put("adminToken", TOKEN))
        .put("defaults", new JsonObject().put("failureThreshold", 3).put("resetTimeoutMs", 200)
            .put("permitTimeoutMs", 500).put("halfOpenMaxCalls", 2).put("callTimeoutMs", 300))
        .put("breakers", new JsonObject()
            .put("after-fuzz", new JsonObject().put("resetTimeoutMs", 60_000))
            .put("fuzz-count", new JsonObject().put("slowCallDurationMs", 50).put("slowCallRateThreshold", 50)
                .put("window", new JsonObject().put("type", "count").put("size", 10).put("minimumCalls", 5)))
            .put("fuzz-time", new JsonObject()
                .put("window", new JsonObject().put("type", "time").put("size", 2).put("minimumCalls", 3)))
            .put("fuzz-backoff", new JsonObject().put("resetTimeoutMs", 50)
                .put("backoff", new JsonObject().put("multiplier", 2.0).put("maxResetTimeoutMs", 400)))
            .put("fuzz-codes", new JsonObject().put("failureCodes", new JsonArray().add(418).add(422))));
    verticle = Deployments.deploy(vertx, config, Clock.systemUTC());
    bus = Deployments.bus(vertx, config);
    target = "fuzz.target." + UUID.randomUUID();
    await(vertx.eventBus().consumer(target, FuzzIntegrationTest::serveTarget).completion());
    // Created before the fuzz can fill maxBreakers, so the checks afterwards have a breaker of their own.
    bus.acquire("after-fuzz");
  }

  @AfterEach
  void stopCapture() {
    Logger.getLogger("").removeHandler(errorCapture);
  }

  /** The target of fuzzed calls: {"do": "fail"|"silent", "code"} says what to do; anything else is echoed. */
  private static void serveTarget(Message<Object> message) {
    if (message.body() instanceof JsonObject control && control.getValue("do") instanceof String what) {
      if (what.equals("silent")) {
        return;
      }
      if (what.equals("fail")) {
        message.fail(control.getValue("code") instanceof Integer code ? code : 418, "target fails");
        return;
      }
    }
    message.reply(message.body());
  }

  @Test
  void answersEveryRandomMessageWithAnAllowedCodeAndKeepsServing(Vertx vertx) throws Exception {
    MessageFuzzer fuzzer = new MessageFuzzer(new Random(SEED), target);
    Map<String, Integer> tally = new TreeMap<>();
    Queue<String> wrong = new ConcurrentLinkedQueue<>();
    long started = System.nanoTime();

    inFlight(128, MESSAGES, done -> {
      Fuzzed input = fuzzer.next();
      String action = input.options().getHeaders() == null ? null : input.options().getHeaders().get("action");
      Future<Message<Object>> answer;
      try {
        answer = vertx.eventBus().request(config.getString("address"), input.body(), input.options());
      } catch (RuntimeException e) {
        wrong.add("the test could not send " + input.describe() + ": " + e);
        done.run();
        return;
      }
      answer.onComplete(result -> {
        try {
          String outcome;
          boolean checksLimits = action != null && MessageFuzzer.ACTIONS.contains(action) && !"health".equals(action);
          if (input.breach() != null && checksLimits) {
            // A body over the limits is refused before any field is read.
            boolean refused = result.cause() instanceof ReplyException failure && failure.failureCode() == 400
                && failure.getMessage().contains(input.breach());
            outcome = refused ? "400 (limit)" : "WRONG";
          } else if (result.succeeded()) {
            outcome = "reply";
            fuzzer.rememberPermit(result.result().body());
          } else if (result.cause() instanceof ReplyException failure
              && failure.failureType() == ReplyFailure.RECIPIENT_FAILURE
              && ("call".equals(action) ? CALL_CODES : API_CODES).contains(failure.failureCode())) {
            outcome = Integer.toString(failure.failureCode());
          } else {
            outcome = "WRONG";
          }
          if (outcome.equals("WRONG")) {
            wrong.add(input.describe() + " -> " + (result.succeeded() ? "a reply" : result.cause()));
          }
          String shown = action == null ? "(none)" : MessageFuzzer.ACTIONS.contains(action) ? action : "(other)";
          synchronized (tally) {
            tally.merge(shown + " " + outcome, 1, Integer::sum);
          }
        } finally {
          done.run();
        }
      });
    });

    System.out.printf("%d messages in %d ms (seed %d): %s%n", MESSAGES,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), SEED, tally);
    assertThat(wrong).as("wrong answers, seed " + SEED).isEmpty();
    assertNothingBroke();
    servesNormallyAfterwards();
  }

  @Test
  void answersEveryRandomHttpRequestBelow500AndKeepsServing() throws Exception {
    bus.record("payments", "failure");
    HttpFuzzer fuzzer = new HttpFuzzer(new Random(SEED), "http://127.0.0.1:" + verticle.httpPort());
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    Map<String, Integer> tally = new TreeMap<>();
    Queue<String> wrong = new ConcurrentLinkedQueue<>();
    long started = System.nanoTime();

    inFlight(8, HTTP_REQUESTS, done -> {
      HttpRequest request = fuzzer.next();
      // Vert.x closes the connection after its 414 or 431 without saying so ("Connection: close"), and the JDK
      // client would reuse it for the next request: such a request gets a client of its own.
      HttpClient client = HttpFuzzer.overLimits(request) ? HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build() : http;
      client.sendAsync(request, BodyHandlers.ofString()).whenComplete((response, error) -> {
        try {
          String outcome = error != null ? "no response" : Integer.toString(response.statusCode());
          if (error != null || (response.statusCode() >= 500 && response.statusCode() != 503)) {
            wrong.add(request.method() + " " + clip(request.uri().toString()) + " " + clip(request.headers().map()
                .toString()) + " body " + request.bodyPublisher().map(b -> b.contentLength()).orElse(-1L)
                + " bytes -> " + (error != null ? error : response.statusCode() + " " + clip(response.body())));
          }
          synchronized (tally) {
            tally.merge(outcome, 1, Integer::sum);
          }
        } finally {
          done.run();
        }
      });
    });

    System.out.printf("%d HTTP requests in %d ms (seed %d): %s%n", HTTP_REQUESTS,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), SEED, tally);
    assertThat(wrong).as("requests without an answer below 500, seed " + SEED).isEmpty();
    assertNothingBroke();
    HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + verticle.httpPort() + "/health"))
        .timeout(Duration.ofSeconds(5)).build();
    var response = http.send(health, BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getString("status")).isEqualTo("UP");
  }

  /** Starts {@code total} requests with at most {@code limit} unanswered; each calls its Runnable when done. */
  private static void inFlight(int limit, int total, Consumer<Runnable> request) throws InterruptedException {
    Semaphore slots = new Semaphore(limit);
    for (int i = 0; i < total; i++) {
      assertThat(slots.tryAcquire(30, TimeUnit.SECONDS)).as("a free slot within 30 s (seed " + SEED + ")").isTrue();
      request.accept(slots::release);
    }
    assertThat(slots.tryAcquire(limit, 30, TimeUnit.SECONDS)).as("every answer within 30 s").isTrue();
  }

  private void assertNothingBroke() {
    assertThat(unhandled).as("exceptions that reached Vert.x, seed " + SEED).isEmpty();
    assertThat(errorLogs).as("ERROR logs of io.tripstate, seed " + SEED).isEmpty();
  }

  private void servesNormallyAfterwards() {
    assertThat(bus.send("reset", new JsonObject().put("name", "after-fuzz")).getString("state")).isEqualTo("closed");
    JsonObject permitted = bus.acquire("after-fuzz");
    assertThat(permitted.getBoolean("permitted")).isTrue();
    assertThat(bus.send("record", new JsonObject().put("name", "after-fuzz").put("outcome", "success")
        .put("permit", permitted.getString("permit"))).getString("state")).isEqualTo("closed");
    for (int i = 0; i < 3; i++) {
      bus.record("after-fuzz", "failure");
    }
    JsonObject rejected = bus.acquire("after-fuzz");
    assertThat(rejected.getBoolean("permitted")).isFalse();
    assertThat(rejected.getString("state")).isEqualTo("open");
    assertThat(bus.status("after-fuzz").getLong("retry_after_ms")).isPositive();
    assertThat(bus.send("health", new JsonObject()).getString("status")).isEqualTo("UP");
    assertThat(bus.statusAll().getJsonArray("breakers").size()).isBetween(1, 200);
    Bus.eventually(() -> {
      JsonObject stored = Deployments.stored(config, "after-fuzz");
      return stored != null && "open".equals(stored.getString("state"));
    }, "the open state of 'after-fuzz' in Redis");
  }

  /** At most 300 characters, controls and surrogates escaped, for a readable report. */
  private static String clip(String text) {
    StringBuilder shown = new StringBuilder();
    for (int i = 0; i < Math.min(text.length(), 300); i++) {
      char c = text.charAt(i);
      shown.append(c < 0x20 || Character.isSurrogate(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return text.length() <= 300 ? shown.toString() : shown + "...(" + text.length() + " chars)";
  }

  /**
   * One fuzzed message, with the text of the refusal its body must get when it breaks a limit. Described only
   * when its answer is wrong (a full encode of some bodies is costly).
   */
  private record Fuzzed(Object body, DeliveryOptions options, String breach) {
    String describe() {
      String shown;
      try {
        shown = body instanceof JsonObject json ? json.encode() : String.valueOf(body);
      } catch (RuntimeException | StackOverflowError e) {
        shown = "(a " + body.getClass().getSimpleName() + " that does not encode: " + e + ")";
      }
      return "headers " + clip(options.getHeaders().entries().toString()) + " body " + clip(shown);
    }
  }

  /** Random values of every kind the local event bus carries, unicode text included. */
  private static class Randomness {
    final Random random;

    Randomness(Random random) {
      this.random = random;
    }

    boolean chance(int percent) {
      return random.nextInt(100) < percent;
    }

    <T> T pick(List<T> choices) {
      return choices.get(random.nextInt(choices.size()));
    }

    /** Text from ASCII, controls, Latin-1, the BMP, emoji and lone surrogates. */
    String text(int maxLength) {
      int length = random.nextInt(maxLength + 1);
      StringBuilder text = new StringBuilder(length);
      for (int i = 0; i < length; i++) {
        switch (random.nextInt(8)) {
          case 0 -> text.append((char) random.nextInt(0x20));
          case 1 -> text.append((char) (0xA0 + random.nextInt(0x60)));
          case 2 -> text.append((char) (0x100 + random.nextInt(0xD700)));
          case 3 -> text.appendCodePoint(0x1F300 + random.nextInt(0x300));
          case 4 -> text.append((char) (0xD800 + random.nextInt(0x800)));
          default -> text.append((char) (0x20 + random.nextInt(0x5F)));
        }
      }
      return text.toString();
    }

    Object number() {
      return pick(List.of(random.nextInt(), random.nextLong(), -1, 0, 1, random.nextDouble() * 1e6, -0.0,
          Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e300, Long.MAX_VALUE, 1.5, 1e13,
          new BigDecimal("1e400"), new BigInteger("123456789012345678901234567890"), 2.5f));
    }

    /** Any value, containers at most {@code depth} deep. */
    Object value(int depth) {
      int kind = random.nextInt(depth > 0 ? 13 : 9);
      return switch (kind) {
        case 0 -> null;
        case 1 -> random.nextBoolean();
        case 2, 3 -> number();
        case 4, 5 -> text(20);
        case 6 -> randomBytes(random.nextInt(40));
        case 7 -> Buffer.buffer(randomBytes(random.nextInt(40)));
        case 8 -> Instant.ofEpochSecond(random.nextInt());
        case 9 -> object(depth - 1);
        case 10 -> array(depth - 1);
        case 11 -> new HashMap<>(object(depth - 1).getMap());
        default -> new ArrayList<>(array(depth - 1).stream().toList());
      };
    }

    JsonObject object(int depth) {
      JsonObject json = new JsonObject();
      for (int i = random.nextInt(6); i > 0; i--) {
        json.put(chance(50) ? text(8) : pick(List.of("name", "outcome", "permit", "duration_ms", "address", "body",
            "timeout_ms", "do", "code")), value(depth));
      }
      return json;
    }

    JsonArray array(int depth) {
      JsonArray json = new JsonArray();
      for (int i = random.nextInt(6); i > 0; i--) {
        json.add(value(depth));
      }
      return json;
    }

    byte[] randomBytes(int length) {
      byte[] bytes = new byte[length];
      random.nextBytes(bytes);
      return bytes;
    }
  }

  /** Event-bus messages: random or missing actions, any body, every field of every action right or wrong. */
  private static final class MessageFuzzer extends Randomness {
    private static final List<String> ACTIONS =
        List.of("acquire", "record", "status", "reset", "force_open", "disable", "call", "health", "history");
    private static final List<String> NAMES = List.of("a", "b", "payments", "payments/eu-west", "x:y@z.1", "-",
        "_._", "/", "fuzz-count", "fuzz-time", "fuzz-backoff", "fuzz-codes", "N".repeat(128));
    private static final List<Object> HUGE = List.of("x".repeat(MAX_REQUEST_BYTES), "é".repeat(1_000_000),
        "y".repeat(10_000_000), new byte[MAX_REQUEST_BYTES], Buffer.buffer(new byte[MAX_REQUEST_BYTES]),
        manyValues());
    private final String target;
    private final List<String> permits = new ArrayList<>();

    MessageFuzzer(Random random, String target) {
      super(random);
      this.target = target;
    }

    Fuzzed next() {
      DeliveryOptions options = new DeliveryOptions().setSendTimeout(10_000);
      String action = chance(75) ? pick(ACTIONS) : chance(40) ? null
          : pick(List.of(text(12), "ACQUIRE", " acquire", "acquire ", "", "x".repeat(5_000), "health\u0000"));
      if (action != null) {
        options.addHeader(chance(5) ? "Action" : "action", action);
      }
      for (int i = chance(20) ? random.nextInt(4) : 0; i > 0; i--) {
        options.addHeader(chance(10) ? "action" : text(10), text(30));
      }
      String fields = action != null && ACTIONS.contains(action) ? action : pick(ACTIONS);
      int kind = random.nextInt(100);
      if (kind < 6) {
        return new Fuzzed(nonObject(), options, null);
      }
      if (kind < 12) {
        return new Fuzzed(request(fields).put(chance(50) ? "body" : text(5), pick(HUGE)), options,
            "larger than maxRequestBytes (" + MAX_REQUEST_BYTES + " bytes");
      }
      if (kind < 17) {
        // 63 levels under the body's own (64 in all) are accepted; much deeper, the sender's copy would overflow.
        int levels = chance(20) ? 63 : 64 + random.nextInt(936);
        return new Fuzzed(request(fields).put(chance(50) ? "body" : "deep", nested(levels)), options,
            levels > 63 ? "nested deeper than 64 levels" : null);
      }
      return new Fuzzed(kind < 22 ? object(4) : request(fields), options, null);
    }

    void rememberPermit(Object reply) {
      if (reply instanceof JsonObject json && json.getValue("permit") instanceof String permit) {
        synchronized (permits) {
          permits.add(permit);
          if (permits.size() > 256) {
            permits.remove(0);
          }
        }
      }
    }

    private Object nonObject() {
      return switch (random.nextInt(10)) {
        case 0 -> null;
        case 1 -> text(40);
        case 2 -> Buffer.buffer(randomBytes(30));
        case 3 -> random.nextInt();
        case 4 -> random.nextLong();
        case 5 -> random.nextDouble();
        case 6 -> random.nextBoolean();
        case 7 -> array(3);
        case 8 -> randomBytes(10);
        default -> 'c';
      };
    }

    /** Containers nested {@code levels} deep (the outermost counts as one). */
    private Object nested(int levels) {
      Object inner = value(0);
      for (int i = 0; i < levels; i++) {
        inner = chance(50) ? new JsonObject().put(text(3), inner) : new JsonArray().add(inner);
      }
      return inner;
    }

    /** A request for the action with each field right (mostly), missing or wrong. */
    private JsonObject request(String action) {
      JsonObject body = new JsonObject();
      field(body, "name", this::name);
      switch (action) {
        case "record" -> {
          field(body, "outcome", () -> pick(List.of("success", "failure", "ignored", "SUCCESS", text(8))));
          field(body, "permit", this::permit);
          field(body, "duration_ms", () -> chance(80) ? random.nextInt(200) : random.nextDouble() * 100);
        }
        case "force_open" -> field(body, "duration_ms", () -> chance(90) ? 1 + random.nextInt(500) : 1e12);
        case "history" -> field(body, "limit", () -> chance(90) ? 1 + random.nextInt(1_000) : 1_001);
        case "call" -> {
          field(body, "address", () -> chance(70) ? "fuzz.nowhere." + random.nextInt(5) : target);
          field(body, "timeout_ms", () -> chance(90) ? 1 + random.nextInt(150) : 1_000_000);
          field(body, "body", () -> chance(50) ? new JsonObject().put("do", pick(List.of("reply", "fail", "silent")))
              .put("code", TARGET_CODES[random.nextInt(TARGET_CODES.length)]) : value(3));
          if (body.getValue("timeout_ms") instanceof Number timeout && timeout.doubleValue() > 1_000
              && body.getValue("body") instanceof JsonObject control) {
            control.put("do", "reply"); // a silent target would hold the call for the whole timeout
          }
        }
        default -> { }
      }
      if (chance(10)) {
        body.put(text(6), value(2));
      }
      return body;
    }

    /** Puts a right value (70 %), nothing (10 %), or a wrong one: another type, null, garbage. */
    private void field(JsonObject body, String key, Supplier<Object> right) {
      int roll = random.nextInt(100);
      if (roll < 70) {
        body.put(key, right.get());
      } else if (roll < 80) {
        return;
      } else if (roll < 85) {
        body.putNull(key);
      } else {
        body.put(key, chance(30) ? text(20) : value(2));
      }
    }

    private String name() {
      int roll = random.nextInt(100);
      if (roll < 60) {
        return pick(NAMES);
      }
      if (roll < 70) {
        return "new-" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
      }
      return pick(List.of(text(10), text(200), "", " ", "N".repeat(129), "a b", "a\u0000", "ä", "../x", "a%2Fb"));
    }

    private String permit() {
      synchronized (permits) {
        if (!permits.isEmpty() && chance(50)) {
          return permits.get(random.nextInt(permits.size()));
        }
      }
      return pick(List.of(Long.toString(random.nextLong()), "", "abc", "99999999999999999999", "-1", "0x10",
          " 1", text(10)));
    }

    private static JsonObject manyValues() {
      JsonObject many = new JsonObject();
      for (int i = 0; i < 5_000; i++) {
        many.put("field-" + i, i);
      }
      return many;
    }
  }

  /** HTTP requests: random methods, paths, headers and bodies, on the status and admin routes and elsewhere. */
  private static final class HttpFuzzer extends Randomness {
    private static final List<String> METHODS = List.of("GET", "GET", "GET", "POST", "POST", "HEAD", "PUT",
        "DELETE", "OPTIONS", "PATCH", "TRACE", "get", "FOO", "M-SEARCH");
    private static final List<String> SEGMENTS = List.of("breakers", "health", "payments", "a", "reset",
        "force-open", "disable", "..", ".", "", "%2F", "%2e%2e", "%00", "%ff%fe", "%C3%A9", "+", ";x=1", "~",
        "@", ":", "!$&'()*,=", "%25", "%E2%80%AE", "%F0%9F%98%80");
    private final String base;

    HttpFuzzer(Random random, String base) {
      super(random);
      this.base = base;
    }

    /** Whether the request passes Vert.x's limits on the request line (4096) or the headers (8192). */
    static boolean overLimits(HttpRequest request) {
      return request.uri().toString().length() > 4_000
          || request.headers().map().values().stream().flatMap(List::stream).anyMatch(value -> value.length() > 4_000);
    }

    HttpRequest next() {
      while (true) {
        try {
          return build();
        } catch (IllegalArgumentException e) {
          // A header or method the JDK client refuses to send (e.g. a restricted name): draw another.
        }
      }
    }

    private HttpRequest build() {
      String method = pick(METHODS);
      String path = path();
      boolean hugeHeader = chance(3);
      // Vert.x answers 414 or 431 and closes at once: a body still on its way would reset the connection and
      // lose that answer, so such a request has none.
      boolean overLimits = hugeHeader || path.length() > 4_000;
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
          .timeout(Duration.ofSeconds(10)).method(method, overLimits ? BodyPublishers.noBody() : body(method));
      if (chance(40)) {
        request.header("Authorization", pick(List.of("Bearer " + TOKEN, "Bearer " + TOKEN, "Bearer wrong",
            "Bearer", "Bearer  " + TOKEN + " ", "bearer " + TOKEN, "Basic " + TOKEN, "")));
      }
      for (int i = random.nextInt(4); i > 0; i--) {
        request.header(pick(List.of("Content-Type", "Accept", "Cookie", "X-" + ascii(8), ascii(12))), ascii(40));
      }
      if (hugeHeader) {
        request.header("X-Huge", "v".repeat(10_000));
      }
      return request.build();
    }

    private String path() {
      if (chance(20)) {
        // Well-formed status and admin paths, so that some requests get through to the verticle.
        return "/breakers/" + pick(MessageFuzzer.NAMES)
            + pick(List.of("", "/reset", "/force-open", "/disable", "/history", "/history?limit=5"));
      }
      StringBuilder path = new StringBuilder(pick(List.of("/breakers/", "/breakers", "/health", "/", "/breakers//",
          "/x/", "/breakers/payments/")));
      for (int i = random.nextInt(6); i > 0; i--) {
        path.append(chance(70) ? pick(SEGMENTS) : percentEncoded(text(6))).append(chance(70) ? "/" : "");
      }
      if (chance(30)) {
        path.append(pick(List.of("reset", "force-open", "disable", "/reset", "health")));
      }
      if (chance(3)) {
        path.append("a".repeat(1 + random.nextInt(20_000)));
      }
      if (chance(15)) {
        path.append('?').append(percentEncoded(text(20))).append("=&=").append(pick(SEGMENTS));
      }
      return path.toString();
    }

    private HttpRequest.BodyPublisher body(String method) {
      int roll = random.nextInt(100);
      if (roll < 40 && !method.equals("POST")) {
        return BodyPublishers.noBody();
      }
      return switch (roll % 6) {
        case 0 -> BodyPublishers.noBody();
        case 1 -> BodyPublishers.ofString(new JsonObject().put("duration_ms", number()).encode());
        case 2 -> BodyPublishers.ofString(text(100), StandardCharsets.UTF_8);
        case 3 -> BodyPublishers.ofByteArray(randomBytes(random.nextInt(200)));
        case 4 -> BodyPublishers.ofByteArray(new byte[70_000 + random.nextInt(100_000)]);
        default -> BodyPublishers.ofString(pick(List.of("{}", "[]", "null", "{\"duration_ms\": 1000}",
            "{\"duration_ms\": -1}", "{\"duration_ms\": \"x\"}", "{", "{\"a\":" + "[".repeat(5_000))));
      };
    }

    private String percentEncoded(String text) {
      StringBuilder encoded = new StringBuilder();
      for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
        encoded.append('%').append(String.format("%02X", b & 0xFF));
      }
      return encoded.toString();
    }

    /** Printable ASCII; a header name the JDK client refuses (a separator in it) makes {@link #next} draw again. */
    private String ascii(int maxLength) {
      StringBuilder text = new StringBuilder();
      for (int i = random.nextInt(maxLength) + 1; i > 0; i--) {
        text.append((char) ('!' + random.nextInt(94)));
      }
      return text.toString();
    }
  }
}
