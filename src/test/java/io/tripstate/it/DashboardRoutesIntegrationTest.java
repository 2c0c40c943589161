package io.tripstate.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The dashboard's files as curl sees them: the page at "/", its assets, and the headers that lock it down. */
@ExtendWith(VertxExtension.class)
class DashboardRoutesIntegrationTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private int port;

  @BeforeEach
  void deploy(Vertx vertx) {
    JsonObject config = Deployments.config().put("http", new JsonObject().put("port", 0));
    BreakerVerticle verticle = Deployments.deploy(vertx, config, MutableClock.startingNow());
    port = verticle.httpPort();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesThePageAtTheRootWithAPolicyThatForbidsInlineAndForeignScripts() throws Exception {
    HttpResponse<String> page = get("/");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.body()).contains("<script type=\"module\" src=\"dashboard/dashboard.js\"></script>");
    assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(csp ->
        assertThat(csp).contains("script-src 'self'").contains("default-src 'none'").doesNotContain("unsafe"));
    assertThat(page.headers().firstValue("x-content-type-options")).hasValue("nosniff");
  }

  @Test
  void servesTheScriptAndTheStylesheetTheyReferTo() throws Exception {
    HttpResponse<String> script = get("/dashboard/dashboard.js");
    HttpResponse<String> style = get("/dashboard/dashboard.css");

    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).contains("javascript"));
    assertThat(script.body()).contains("new EventSource('events')");
    assertThat(style.statusCode()).isEqualTo(200);
    assertThat(style.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/css"));
  }

  @Test
  void nothingOutsideTheDashboardFolderIsServed() throws Exception {
    assertThat(get("/dashboard/../../logging.properties").statusCode()).isEqualTo(404);
    assertThat(get("/dashboard/%2e%2e/EventStream.class").statusCode()).isEqualTo(404);
    assertThat(get("/dashboard/missing.js").statusCode()).isEqualTo(404);
  }
}
