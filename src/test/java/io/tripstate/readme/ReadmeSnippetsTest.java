package io.tripstate.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.BreakerClient;
import io.tripstate.support.Resp;
import io.tripstate.support.TestRedis;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's Java is ReadmeExample, verbatim, and ReadmeExample does what the README says against Redis. */
class ReadmeSnippetsTest {
  private static final Path README = Path.of("README.md");
  private static final Path EXAMPLE = Path.of("src/test/java/io/tripstate/readme/ReadmeExample.java");
  private static final Pattern JAVA_BLOCK = Pattern.compile("(?ms)^```java\\n(.*?)^```");

  @Test
  void everyJavaBlockOfTheReadmeIsAVerbatimPartOfTheCompiledExample() throws Exception {
    // Given the README and the example source
    List<String> blocks = javaBlocks(Files.readString(README));
    List<String> source = Files.readString(EXAMPLE).lines().toList();

    // Then there are blocks, and each one is a run of consecutive lines of the example
    assertThat(blocks).as("```java blocks in README.md").isNotEmpty();
    for (String block : blocks) {
      assertThat(containsRun(source, normalized(block.lines().toList())))
          .as("README block not found verbatim in %s:%n%s", EXAMPLE, block)
          .isTrue();
    }
  }

  @Test
  void theExampleOpensTheBreakerRefusesTheNextCallAndTheBreakerStaysOpenAcrossARestart() throws Exception {
    // Given the example's config against a real Redis, under keys of its own
    String prefix = "readme:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    JsonObject config = ReadmeExample.config(TestRedis.url(), prefix);

    // When the example runs (on this test thread it may wait; never on an event loop)
    Vertx vertx = Vertx.vertx();
    JsonObject result;
    try {
      result = await(ReadmeExample.run(vertx, config));

      // Then the failing calls opened the breaker and the next one was refused with CallNotPermittedException
      // (run completes only through that refusal)
      assertThat(result.getInteger("calls_run")).isGreaterThanOrEqualTo(3);
      JsonObject raw = result.getJsonObject("raw_acquire");
      assertThat(raw.getBoolean("permitted")).isFalse();
      assertThat(raw.getString("state")).isEqualTo("open");
      assertThat(raw.getLong("retry_after_ms")).isBetween(1L, 30_000L);

      // and the routes mounted on the app's router show it
      HttpResponse<String> status = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(
              "http://127.0.0.1:" + result.getInteger("http_port") + "/ops/breakers/payments")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(status.body()).getString("state")).isEqualTo("open");
    } finally {
      await(vertx.close());
    }

    // and Redis holds it open
    assertThat(new JsonObject(Resp.command(TestRedis.url(), "GET", prefix + "payments:state")).getString("state"))
        .isEqualTo("open");

    // and a new Vert.x instance restores it open, with only the time it had left
    Vertx restarted = Vertx.vertx();
    try {
      await(restarted.deployVerticle("io.tripstate.BreakerVerticle", new DeploymentOptions().setConfig(config)));
      JsonObject after = await(BreakerClient.create(restarted).status("payments"));
      assertThat(after.getString("state")).isEqualTo("open");
      assertThat(after.getLong("retry_after_ms")).isBetween(1L, 30_000L);
    } finally {
      await(restarted.close());
      Resp.command(TestRedis.url(), "DEL", prefix + "payments:state", prefix + "payments:history");
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static List<String> javaBlocks(String markdown) {
    List<String> blocks = new ArrayList<>();
    Matcher matcher = JAVA_BLOCK.matcher(markdown);
    while (matcher.find()) {
      blocks.add(matcher.group(1));
    }
    return blocks;
  }

  /** Leading and trailing blank lines dropped, trailing spaces dropped, common indentation removed. */
  private static List<String> normalized(List<String> lines) {
    List<String> trimmed = new ArrayList<>(lines.stream().map(String::stripTrailing).toList());
    while (!trimmed.isEmpty() && trimmed.get(0).isEmpty()) {
      trimmed.remove(0);
    }
    while (!trimmed.isEmpty() && trimmed.get(trimmed.size() - 1).isEmpty()) {
      trimmed.remove(trimmed.size() - 1);
    }
    int indent = trimmed.stream().filter(line -> !line.isEmpty())
        .mapToInt(line -> line.length() - line.stripLeading().length()).min().orElse(0);
    return trimmed.stream().map(line -> line.isEmpty() ? line : line.substring(indent)).toList();
  }

  private static boolean containsRun(List<String> source, List<String> block) {
    for (int start = 0; start + block.size() <= source.size(); start++) {
      if (normalized(source.subList(start, start + block.size())).equals(block)) {
        return true;
      }
    }
    return false;
  }
}
