package io.tripstate.it;

import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis AUTH (password and ACL user) and TLS, against a private redis-server started with
 * {@code --requirepass}; a wrong password gives one clear error and is never shown.
 */
@ExtendWith(VertxExtension.class)
class RedisAuthIntegrationTest {
  private static final String PASSWORD = "s3cret-pw";
  private static final String WRONG_PASSWORD = "wr0ng-pw-7c1f";

  private final MutableClock clock = MutableClock.startingNow();
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.startWith("--requirepass", PASSWORD);
  private final LogCapture logs = new LogCapture();

  @BeforeEach
  void captureLogs() {
    Logger.getLogger("").addHandler(logs);
  }

  @AfterEach
  void stopRedis() {
    Logger.getLogger("").removeHandler(logs);
  }

  private String url(String userInfo, int port) {
    return "redis://" + (userInfo == null ? "" : userInfo + "@") + "127.0.0.1:" + port;
  }

  private JsonObject stored(JsonObject config, String name) {
    String value = redis.commandAs(null, PASSWORD, "GET", Deployments.key(config, name));
    return value == null ? null : new JsonObject(value);
  }

  /** Seeds an open snapshot, deploys, and checks that it was restored and that a new transition lands. */
  private void restoresAndWrites(Vertx vertx, JsonObject config) {
    redis.commandAs(null, PASSWORD, "SET", Deployments.key(config, "remembered"), new JsonObject()
        .put("state", "open").put("failure_count", 2).put("opened_at", clock.millis() / 1000.0)
        .put("half_open_attempts", 0).put("version", 7).encode());

    Bus bus = Deployments.serve(vertx, config, clock);

    assertThat(bus.status("remembered").getString("state")).as("restored").isEqualTo("open");
    bus.record("fresh", "failure");
    bus.record("fresh", "failure");
    eventually(() -> stored(config, "fresh") != null, "the new transition written");
    assertThat(stored(config, "fresh").getString("state")).isEqualTo("open");
    JsonObject persistence = bus.statusAll().getJsonObject("persistence");
    assertThat(persistence.getBoolean("restored")).isTrue();
    assertThat(persistence.getBoolean("connected")).isTrue();
    assertThat(bus.statusAll().encode()).doesNotContain(PASSWORD);
    logs.assertNothingContains(PASSWORD);
  }

  @Test
  void restoresAndWritesWithThePasswordInRedisPassword(Vertx vertx) {
    JsonObject config = Deployments.config(redis.url());
    config.getJsonObject("redis").put("password", PASSWORD);

    restoresAndWrites(vertx, config);
  }

  @Test
  void restoresAndWritesWithThePasswordInTheUrl(Vertx vertx) {
    restoresAndWrites(vertx, Deployments.config(url(":" + PASSWORD, redis.port())));
  }

  @Test
  void restoresAndWritesAsAnAclUser(Vertx vertx) {
    assertThat(redis.commandAs(null, PASSWORD, "ACL", "SETUSER", "tripstate", "on", ">user-pw", "~*", "+@all"))
        .isEqualTo("OK");

    restoresAndWrites(vertx, Deployments.config(url("tripstate:user-pw", redis.port())));

    assertThat(redis.commandAs(null, PASSWORD, "CLIENT", "LIST")).contains("user=tripstate");
    logs.assertNothingContains("user-pw");
  }

  @Test
  void aWrongPasswordGivesOneClearErrorAndIsShownNowhere(Vertx vertx) {
    JsonObject config = Deployments.config(redis.url());
    config.getJsonObject("redis").put("password", WRONG_PASSWORD);

    wrongCredentials(vertx, config, WRONG_PASSWORD, 3_000);
  }

  @Test
  void aWrongPasswordInTheUrlIsShownNowhereEither(Vertx vertx) {
    wrongCredentials(vertx, Deployments.config(url("tripstate:" + WRONG_PASSWORD, redis.port())), WRONG_PASSWORD,
        1_000);
  }

  private void wrongCredentials(Vertx vertx, JsonObject config, String secret, long watchMs) {
    config.getJsonObject("persistence").put("restoreTimeoutMs", 1_000).put("retryMs", 100);

    long started = System.nanoTime();
    Deployments.deploy(vertx, config, clock);
    long deployMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    Bus bus = Deployments.bus(vertx, config);
    for (String name : new String[] {"a", "b", "c"}) {
      bus.record(name, "failure");
      assertThat(bus.record(name, "failure").getString("state")).as("decisions go on in memory").isEqualTo("open");
    }
    sleep(watchMs);

    JsonObject status = bus.statusAll();
    JsonObject persistence = status.getJsonObject("persistence");
    String lastError = persistence.getString("last_error");
    int warnings = logs.count(Level.WARNING);
    System.out.printf("wrong credentials: deployed in %d ms, %d WARNING record(s) in %d ms with retryMs 100, "
        + "last_error: %s%n", deployMs, warnings, watchMs, lastError);
    assertThat(deployMs).isLessThan(1_000 + 1_000);
    assertThat(persistence.getBoolean("restored")).isFalse();
    assertThat(persistence.getBoolean("connected")).isFalse();
    assertThat(lastError).containsIgnoringCase("WRONGPASS");
    assertThat(status.encode()).doesNotContain(secret);
    assertThat(bus.send("health", new JsonObject()).encode()).doesNotContain(secret);
    logs.assertNothingContains(secret);
    assertThat(warnings).as("WARNING records in %d ms (%s)", watchMs, logs.messages(Level.WARNING))
        .isLessThanOrEqualTo(3);
  }

  @Test
  void aPasswordChangedMidRunGivesOneClearErrorNotAFlood(Vertx vertx) {
    redis.commandAs(null, PASSWORD, "ACL", "SETUSER", "tripstate", "on", ">user-pw", "~*", "+@all");
    JsonObject config = Deployments.config(url("tripstate:user-pw", redis.port()));
    // Undeploying waits up to twice this for the writes that cannot land.
    config.getJsonObject("persistence").put("commandTimeoutMs", 250);
    Bus bus = Deployments.serve(vertx, config, clock);
    bus.record("before", "failure");
    bus.record("before", "failure");
    eventually(() -> stored(config, "before") != null, "a write with the right password");

    assertThat(redis.commandAs(null, PASSWORD, "ACL", "SETUSER", "tripstate", "resetpass", ">rotated-pw"))
        .isEqualTo("OK");
    redis.commandAs(null, PASSWORD, "CLIENT", "KILL", "USER", "tripstate");
    int warningsBefore = logs.count(Level.WARNING);
    for (String name : new String[] {"a", "b", "c"}) {
      bus.record(name, "failure");
      bus.record(name, "failure");
    }
    sleep(3_000);

    JsonObject persistence = bus.statusAll().getJsonObject("persistence");
    int warnings = logs.count(Level.WARNING) - warningsBefore;
    System.out.printf("password rotated mid-run: %d WARNING record(s) in about 3 s with retryMs 100, last_error: %s%n",
        warnings, persistence.getString("last_error"));
    assertThat(persistence.getBoolean("connected")).isFalse();
    assertThat(persistence.getInteger("pending_writes")).isEqualTo(3);
    assertThat(persistence.getString("last_error")).containsIgnoringCase("WRONGPASS");
    logs.assertNothingContains("user-pw");
    assertThat(warnings).as("WARNING records over about 3 s (%s)", logs.messages(Level.WARNING)).isLessThanOrEqualTo(5);
  }

  @Test
  void connectsOverTlsWithAPasswordAndATrustedCertificate(Vertx vertx, @TempDir Path certs) throws Exception {
    Path cert = certs.resolve("redis.crt");
    Path key = certs.resolve("redis.key");
    selfSignedCertificate(cert, key);
    int tlsPort = RedisServerProcess.freePort();
    try (RedisServerProcess tls = RedisServerProcess.startWith("--requirepass", PASSWORD,
        "--tls-port", Integer.toString(tlsPort), "--tls-cert-file", cert.toString(), "--tls-key-file", key.toString(),
        "--tls-ca-cert-file", cert.toString(), "--tls-auth-clients", "no")) {
      JsonObject config = Deployments.config("rediss://:" + PASSWORD + "@127.0.0.1:" + tlsPort);
      config.getJsonObject("redis").put("netClientOptions", new JsonObject()
          .put("hostnameVerificationAlgorithm", "HTTPS")
          .put("pemTrustOptions", new JsonObject().put("certPaths", new JsonArray().add(cert.toString()))));
      String stateKey = Deployments.key(config, "over-tls");

      Bus bus = Deployments.serve(vertx, config, clock);
      bus.record("over-tls", "failure");
      bus.record("over-tls", "failure");

      // Read back over the plain port: the TLS port speaks nothing else, so a write there went over TLS.
      eventually(() -> tls.commandAs(null, PASSWORD, "GET", stateKey) != null, "a snapshot written over TLS");
      assertThat(new JsonObject(tls.commandAs(null, PASSWORD, "GET", stateKey)).getString("state")).isEqualTo("open");
      assertThat(bus.statusAll().getJsonObject("persistence").getBoolean("restored")).isTrue();
      logs.assertNothingContains(PASSWORD);
    }
  }

  @Test
  void refusesATlsServerWhoseCertificateIsNotTrusted(Vertx vertx, @TempDir Path certs) throws Exception {
    Path cert = certs.resolve("redis.crt");
    Path key = certs.resolve("redis.key");
    selfSignedCertificate(cert, key);
    int tlsPort = RedisServerProcess.freePort();
    try (RedisServerProcess tls = RedisServerProcess.startWith("--tls-port", Integer.toString(tlsPort),
        "--tls-cert-file", cert.toString(), "--tls-key-file", key.toString(), "--tls-ca-cert-file", cert.toString(),
        "--tls-auth-clients", "no")) {
      JsonObject config = Deployments.config("rediss://127.0.0.1:" + tlsPort);
      config.getJsonObject("redis").put("netClientOptions", new JsonObject()
          .put("hostnameVerificationAlgorithm", "HTTPS"));
      config.getJsonObject("persistence").put("restoreTimeoutMs", 1_000);

      Bus bus = Deployments.serve(vertx, config, clock);
      bus.record("untrusted", "failure");
      bus.record("untrusted", "failure");
      await("nothing reaches the untrusted server").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
          .pollInSameThread().until(() -> tls.command("GET", Deployments.key(config, "untrusted")) == null);

      JsonObject persistence = bus.statusAll().getJsonObject("persistence");
      System.out.printf("untrusted TLS certificate: last_error: %s%n", persistence.getString("last_error"));
      assertThat(persistence.getBoolean("restored")).isFalse();
      assertThat(tls.command("GET", Deployments.key(config, "untrusted"))).isNull();
    }
  }

  /** A self-signed certificate for 127.0.0.1, valid for a day, and its key. */
  private static void selfSignedCertificate(Path cert, Path key) throws Exception {
    String[] args = {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out", cert.toString()};
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("openssl %s: %s", args[0], output).isZero();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Every JUL record of the test, formatted as a handler would print it, with its exception chain. */
  private static final class LogCapture extends Handler {
    private final List<LogRecord> records = new ArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();

    @Override
    public synchronized void publish(LogRecord record) {
      records.add(record);
    }

    synchronized int count(Level level) {
      return (int) records.stream().filter(r -> r.getLevel().equals(level)).count();
    }

    synchronized List<String> messages(Level level) {
      return records.stream().filter(r -> r.getLevel().equals(level)).map(formatter::formatMessage).toList();
    }

    synchronized void assertNothingContains(String secret) {
      for (LogRecord record : records) {
        StringBuilder text = new StringBuilder(formatter.format(record));
        for (Throwable e = record.getThrown(); e != null; e = e.getCause()) {
          text.append('\n').append(e);
        }
        assertThat(text.toString()).as("log record from %s", record.getLoggerName()).doesNotContain(secret);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
