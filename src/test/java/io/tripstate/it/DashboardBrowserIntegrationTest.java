package io.tripstate.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.AcquireResult;
import io.tripstate.BreakerClient;
import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.HeadlessChromium;
import io.tripstate.support.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium, against a verticle persisting to a real Redis: live updates from
 * {@code GET /events} without a reload, the admin buttons with the token typed in once, names shown as text,
 * and a filter over thousands of breakers.
 */
@ExtendWith(VertxExtension.class)
class DashboardBrowserIntegrationTest {
  private static final String TOKEN = "dash-" + UUID.randomUUID();

  /** One browser for the class: starting Chromium costs seconds, and each test has its own origin anyway. */
  private static HeadlessChromium browser;
  private static ChromeDriver driver;
  private JsonObject config;
  private Bus bus;
  private String url;

  @BeforeAll
  static void startBrowser() {
    browser = new HeadlessChromium(1400, 800);
    driver = browser.driver();
  }

  @AfterAll
  static void closeBrowser() {
    if (browser != null) {
      browser.close();
    }
  }

  @BeforeEach
  void deploy(Vertx vertx) {
    config = Deployments.config().put("http", new JsonObject().put("port", 0).put("adminToken", TOKEN));
    BreakerVerticle verticle = Deployments.deploy(vertx, config, MutableClock.startingNow());
    bus = Deployments.bus(vertx, config);
    url = "http://127.0.0.1:" + verticle.httpPort() + "/";
  }

  @AfterEach
  void keepTheLastPage(TestInfo test) throws Exception {
    // For a look when a test failed: what the page showed at its end.
    Files.createDirectories(Path.of("target", "dashboard-tests"));
    Files.write(Path.of("target", "dashboard-tests", test.getTestMethod().orElseThrow().getName() + ".png"),
        driver.getScreenshotAs(OutputType.BYTES));
    driver.get("about:blank"); // closes the page's event stream before its verticle goes away
  }

  private By row(String name) {
    return By.cssSelector(".viewport .row[data-name='" + name + "']");
  }

  /** The rows a user sees (the page keeps unused rows for reuse, hidden). */
  private List<WebElement> visibleRows() {
    return driver.findElements(By.cssSelector(".viewport .row")).stream().filter(WebElement::isDisplayed).toList();
  }

  private WebDriverWait within(long millis) {
    return new WebDriverWait(driver, Duration.ofMillis(millis), Duration.ofMillis(20));
  }

  private Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  private void openPage() {
    driver.get(url);
    within(5_000).until(d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-live")));
  }

  @Test
  void aBreakerOpenedOverTheEventBusTurnsOpenWithoutAReloadAndTheResetButtonClosesIt() {
    // Given the dashboard showing a closed breaker
    bus.acquire("payments");
    openPage();
    within(2_000).until(ExpectedConditions.attributeToBe(row("payments"), "data-state", "closed"));
    js("window.notReloaded = true;");
    assertThat(driver.findElement(By.id("persistence")).getText()).isEqualTo("persistence UP");

    // When the breaker opens over the event bus
    bus.record("payments", "failure");
    bus.record("payments", "failure");

    // Then its row turns open within 2 s, with the time it has left, and the page was not reloaded
    within(2_000).until(ExpectedConditions.attributeToBe(row("payments"), "data-state", "open"));
    within(2_000).until(d -> d.findElement(row("payments")).findElement(By.className("left")).getText()
        .matches("(59|60) s"));
    assertThat(js("return window.notReloaded === true;")).isEqualTo(true);
    assertThat(driver.findElement(row("payments")).findElement(By.className("recent")).getText())
        .contains("closed→open");
    assertThat(driver.findElement(By.id("log")).getText()).contains("payments").contains("failure_threshold");

    // When reset is pressed and the admin token typed in
    driver.findElement(row("payments")).findElement(By.cssSelector("button[data-action='reset']")).click();
    within(2_000).until(ExpectedConditions.visibilityOfElementLocated(By.id("token-input"))).sendKeys(TOKEN);
    driver.findElement(By.id("token-save")).click();

    // Then the breaker closes, on the page and in the verticle
    within(2_000).until(ExpectedConditions.attributeToBe(row("payments"), "data-state", "closed"));
    assertThat(bus.status("payments").getString("state")).isEqualTo("closed");
    // And the token is kept for this tab: force-open asks for nothing and lasts until a reset
    driver.findElement(row("payments")).findElement(By.cssSelector("button[data-action='force-open']")).click();
    within(2_000).until(ExpectedConditions.attributeToBe(row("payments"), "data-state", "forced_open"));
    assertThat(driver.findElement(By.id("token-dialog")).isDisplayed()).isFalse();
    within(2_000).until(d -> d.findElement(row("payments")).findElement(By.className("left")).getText()
        .equals("until reset"));
    assertThat(bus.status("payments").getString("state")).isEqualTo("forced_open");
  }

  @Test
  void aRefusedTokenIsAskedForAgainAndChangesNothing() {
    // Given an open breaker on the page
    bus.record("search", "failure");
    bus.record("search", "failure");
    openPage();
    within(2_000).until(ExpectedConditions.attributeToBe(row("search"), "data-state", "open"));

    // When reset is pressed with a wrong token
    driver.findElement(row("search")).findElement(By.cssSelector("button[data-action='reset']")).click();
    within(2_000).until(ExpectedConditions.visibilityOfElementLocated(By.id("token-input"))).sendKeys("wrong");
    driver.findElement(By.id("token-save")).click();

    // Then the token is asked for again, saying it was refused, and the breaker stays open
    within(2_000).until(d -> d.findElement(By.id("token-error")).isDisplayed());
    assertThat(driver.findElement(By.id("token-error")).getText()).contains("refused");
    assertThat(js("return sessionStorage.getItem('tripstate.adminToken');")).isNull();
    assertThat(bus.status("search").getString("state")).isEqualTo("open");
  }

  @Test
  void namesAndFieldsFromTheStreamAreShownAsTextNeverRunAsMarkup(Vertx vertx) {
    // Given the page open (breaker names cannot hold markup, but anything published on the address is streamed)
    openPage();
    String hostile = "<img src=x onerror=\"window.xss=1\">";

    // When a transition with markup in its fields is published on the transitions address
    vertx.eventBus().publish(config.getString("transitionsAddress"), new JsonObject().put("name", hostile)
        .put("from", "closed").put("to", "open").put("at", 1.0).put("reason", "<b>bold</b>").put("version", 1));

    // Then it shows as literal text, and nothing ran
    within(2_000).until(d -> d.findElement(By.id("log")).getText().contains(hostile));
    assertThat(driver.findElement(By.id("log")).getText()).contains("<b>bold</b>");
    assertThat(driver.findElements(By.tagName("img"))).isEmpty();
    assertThat(driver.findElements(By.tagName("b"))).isEmpty();
    assertThat(js("return window.xss === undefined;")).isEqualTo(true);
  }

  @Test
  void theFilterNarrowsFiveThousandBreakersWhileOnlyTheVisibleRowsExist(Vertx vertx) {
    // Given 5,000 breakers, one of them open
    BreakerClient client = BreakerClient.create(vertx, config.getString("address"));
    List<Future<AcquireResult>> created = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      created.add(client.acquire("svc-" + i));
    }
    Bus.await(Future.all(created));
    bus.record("svc-4321", "failure");
    bus.record("svc-4321", "failure");
    openPage();
    within(5_000).until(d -> d.findElement(By.id("counts")).getText().startsWith("5000 breakers"));
    assertThat(driver.findElements(By.cssSelector(".viewport .row"))).hasSizeLessThan(80);
    // problems first: the open breaker heads the list
    assertThat(visibleRows().get(0).getAttribute("data-name")).isEqualTo("svc-4321");

    // When a name is typed into the filter
    long started = System.nanoTime();
    driver.findElement(By.id("filter")).sendKeys("svc-432");

    // Then within a second only the 11 matching breakers are listed
    within(1_000).until(d -> d.findElement(By.id("shown")).getText().equals("11 shown"));
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    List<WebElement> rows = visibleRows();
    assertThat(rows).hasSize(11).allMatch(r -> r.getAttribute("data-name").contains("svc-432"));
    assertThat(driver.findElement(By.id("shown")).getText()).isEqualTo("11 shown");
    System.out.printf("[dashboard] filter over 5,000 breakers: 11 rows after %d ms (typing included)%n", tookMs);
  }
}
