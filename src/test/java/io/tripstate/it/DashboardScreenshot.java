package io.tripstate.it;

import io.tripstate.BreakerClient;
import io.tripstate.BreakerVerticle;
import io.tripstate.breaker.Outcome;
import io.tripstate.support.HeadlessChromium;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Makes {@code docs/dashboard.png}: a verticle on a private Redis with a dozen breakers in every state, the
 * dashboard open in headless Chromium while they change, then a screenshot. A tool, not a test:
 * <pre>
 * mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp-test.txt -Dmdep.includeScope=test
 * java -cp target/classes:target/test-classes:$(cat target/cp-test.txt) io.tripstate.it.DashboardScreenshot [out.png]
 * </pre>
 */
public final class DashboardScreenshot {
  private DashboardScreenshot() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/dashboard.png");
    JsonObject countWindow = new JsonObject().put("window", new JsonObject().put("type", "count").put("size", 20)
        .put("minimumCalls", 10)).put("slowCallDurationMs", 800);
    Vertx vertx = Vertx.vertx();
    try (RedisServerProcess redis = RedisServerProcess.start();
         HeadlessChromium browser = new HeadlessChromium(1400, 800)) {
      JsonObject config = Deployments.config(redis.url())
          .put("http", new JsonObject().put("port", 0).put("adminToken", "screenshot"))
          .put("defaults", new JsonObject().put("failureThreshold", 3).put("resetTimeoutMs", 45_000))
          .put("breakers", new JsonObject()
              .put("payments-api", countWindow)
              .put("search", countWindow)
              .put("inventory", new JsonObject().put("resetTimeoutMs", 300).put("permitTimeoutMs", 600_000))
              .put("recommendations", new JsonObject().put("resetTimeoutMs", 120_000)));
      BreakerVerticle verticle = new BreakerVerticle();
      vertx.deployVerticle(verticle, new io.vertx.core.DeploymentOptions().setConfig(config)).await();
      BreakerClient breakers = BreakerClient.create(vertx, config.getString("address"));
      for (String name : new String[] {"checkout", "currency-rates", "email-sender", "fraud-check", "shipping-quotes",
          "user-profile", "search", "payments-api", "inventory", "recommendations", "legacy-billing", "geo-ip"}) {
        breakers.acquire(name).await();
      }
      calls(breakers, "search", 14, 2, 40);
      calls(breakers, "search", 3, 0, 1_200);

      var driver = browser.driver();
      driver.get("http://127.0.0.1:" + verticle.httpPort() + "/");
      new WebDriverWait(driver, Duration.ofSeconds(5)).until(d -> d.findElement(By.id("counts")).getText()
          .startsWith("12 breakers"));

      // What happens while the page is open shows up live, in the rows and in the panel of transitions.
      calls(breakers, "payments-api", 4, 8, 60);
      for (int i = 0; i < 3; i++) {
        breakers.record("shipping-quotes", Outcome.FAILURE, null, 30L).await();
      }
      breakers.reset("shipping-quotes").await();
      breakers.forceOpen("recommendations", 600_000L).await();
      breakers.disable("legacy-billing").await();
      for (int i = 0; i < 3; i++) {
        breakers.record("inventory", Outcome.FAILURE, null, 25L).await();
      }
      Thread.sleep(400); // inventory's open time (300 ms) passes: the next acquire is its trial
      breakers.acquire("inventory").await();
      for (int i = 0; i < 3; i++) {
        breakers.record("fraud-check", Outcome.FAILURE, null, 2_000L).await();
      }
      Thread.sleep(2_500); // details follow their transitions; time left counts down
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.write(out, driver.getScreenshotAs(OutputType.BYTES));
      System.out.println("wrote " + out.toAbsolutePath());
    } finally {
      vertx.close().await();
    }
  }

  /** Records {@code ok} successes and {@code failed} failures of {@code durationMs} each, spread evenly. */
  private static void calls(BreakerClient breakers, String name, int ok, int failed, long durationMs) {
    for (int i = 0; i < ok + failed; i++) {
      Outcome outcome = i * failed % (ok + failed) < failed ? Outcome.FAILURE : Outcome.SUCCESS;
      breakers.record(name, outcome, null, durationMs).await();
    }
  }
}
