package io.tripstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tripstate.BreakerVerticle;
import io.tripstate.http.StatusRoutes;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.tripstate.support.Resp;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIVersion;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP routes answer as {@code GET /openapi.json} says: each call's status is documented for its operation,
 * its content type is the documented one, and a JSON body validates against the document's schema (checked by
 * vertx-openapi's {@link ResponseValidator}, which also checks the document itself on load).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiConformanceIntegrationTest {
  /**
   * Documented operations whose routes other parts of the project serve ({@code /metrics}, {@code /events},
   * {@code /}): once they are on this branch, add their calls to {@link #calls()} and empty this set; the test
   * {@link #everyDocumentedOperationIsCalled} holds the two in step.
   */
  private static final Set<String> SERVED_ELSEWHERE = Set.of();
  private static final String ADMIN = "Bearer admin-" + java.util.UUID.randomUUID();
  private static final String API = "Bearer api-" + java.util.UUID.randomUUID();
  private static final int MAX_BODY_BYTES = 1024;
  private static final String BIG_BODY = "{\"padding\": \"" + "x".repeat(MAX_BODY_BYTES) + "\"}";

  /** Where a call goes: the fully served verticle, one with few breakers, one with no tokens, a broken bus. */
  private enum Server { MAIN, LIMITED, BARE, SILENT, NOBODY }

  private record Call(String operationId, Server server, String method, String path, String authorization,
      String body, int status) {
    @Override
    public String toString() {
      return operationId + ": " + method + " " + path + (authorization == null ? "" : " (token)")
          + (body == null ? "" : " " + (body.length() > 40 ? body.substring(0, 40) + "..." : body)) + " -> " + status;
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final MutableClock clock = MutableClock.startingNow();
  private Vertx vertx;
  private JsonObject document;
  /** A trial permit already recorded: recording it again is a conflict. */
  private String usedPermit;
  private OpenAPIContract contract;
  private ResponseValidator validator;
  private final java.util.Map<Server, Integer> ports = new java.util.EnumMap<>(Server.class);

  @BeforeAll
  void deployAndPrepareBreakers() throws Exception {
    vertx = Vertx.vertx();
    JsonObject main = Deployments.config()
        .put("http", new JsonObject().put("port", 0).put("adminToken", ADMIN.substring(7))
            .put("apiToken", API.substring(7)).put("maxBodyBytes", MAX_BODY_BYTES))
        .put("breakers", new JsonObject()
            .put("counted", new JsonObject().put("window", new JsonObject().put("type", "count").put("size", 10)))
            .put("bucketed", new JsonObject().put("window", new JsonObject().put("type", "time").put("size", 10))));
    ports.put(Server.MAIN, deploy(main));
    JsonObject limited = Deployments.config().put("maxBreakers", 2)
        .put("persistence", Deployments.config().getJsonObject("persistence").put("ackAfterWrite", true))
        .put("http", main.getJsonObject("http").copy());
    ports.put(Server.LIMITED, deploy(limited));
    ports.put(Server.BARE, deploy(Deployments.config().put("http", new JsonObject().put("port", 0))));
    // Routes on a bus address where a consumer never answers, and on one where nobody listens.
    String silent = "silent-" + java.util.UUID.randomUUID();
    vertx.eventBus().consumer(silent, message -> { });
    Router silentRoutes = Router.router(vertx);
    silentRoutes.route("/*").subRouter(StatusRoutes.router(vertx, silent, 200));
    ports.put(Server.SILENT, Bus.await(vertx.createHttpServer().requestHandler(silentRoutes).listen(0, "127.0.0.1"))
        .actualPort());
    Router nobodyRoutes = Router.router(vertx);
    nobodyRoutes.route("/*").subRouter(StatusRoutes.router(vertx, "nobody-" + silent, 200));
    ports.put(Server.NOBODY, Bus.await(vertx.createHttpServer().requestHandler(nobodyRoutes).listen(0, "127.0.0.1"))
        .actualPort());

    Bus bus = Deployments.bus(vertx, main);
    bus.acquire("closed-one");
    bus.record("opened", "failure");
    bus.record("opened", "failure");
    bus.record("to-reset", "failure");
    bus.send("force_open", new JsonObject().put("name", "forced"));
    bus.send("force_open", new JsonObject().put("name", "timed").put("duration_ms", 600_000));
    bus.send("disable", new JsonObject().put("name", "off"));
    bus.record("counted", "failure");
    bus.record("bucketed", "failure");
    bus.record("trial", "failure");
    bus.record("trial", "failure");
    bus.record("recorded", "failure");
    bus.record("recorded", "failure");
    clock.advanceMillis(60_000);
    bus.acquire("trial");
    usedPermit = bus.acquire("recorded").getString("permit");
    bus.send("record", new JsonObject().put("name", "recorded").put("outcome", "success").put("permit", usedPermit));
    Resp.command(main.getJsonObject("redis").getString("connectionString"), "SET",
        main.getJsonObject("persistence").getString("keyPrefix") + "squatted:history", "not a stream");
    bus.acquire("squatted");
    await().atMost(Duration.ofSeconds(10)).until(() -> bus.send("history", new JsonObject().put("name", "opened"))
        .getJsonArray("history").size() == 1);
    Deployments.bus(vertx, limited).acquire("first");
    Deployments.bus(vertx, limited).acquire("second");

    try (InputStream in = getClass().getClassLoader().getResourceAsStream("io/tripstate/http/openapi.json")) {
      document = new JsonObject(Buffer.buffer(in.readAllBytes()));
    }
    contract = Bus.await(OpenAPIContract.from(vertx, withoutUnsupportedMediaTypes(document)));
    validator = ResponseValidator.create(vertx, contract);
  }

  /**
   * The document without the media types that vertx-openapi 5.0 refuses to load (it validates JSON and plain
   * text only); their routes are checked against the full document by content type.
   */
  private static JsonObject withoutUnsupportedMediaTypes(JsonObject document) {
    JsonObject copy = document.copy();
    for (String path : copy.getJsonObject("paths").fieldNames()) {
      JsonObject item = copy.getJsonObject("paths").getJsonObject(path);
      for (String method : item.fieldNames()) {
        JsonObject responses = item.getJsonObject(method).getJsonObject("responses");
        for (String status : responses.fieldNames()) {
          JsonObject content = responses.getJsonObject(status).getJsonObject("content");
          if (content != null) {
            content.fieldNames().removeIf(type -> !MediaType.isMediaTypeSupported(type));
            if (content.isEmpty()) {
              responses.getJsonObject(status).remove("content");
            }
          }
        }
      }
    }
    return copy;
  }

  /** The media types the full document gives for one response of an operation. */
  private Set<String> documentedMediaTypes(Operation operation, int status) {
    JsonObject response = document.getJsonObject("paths").getJsonObject(operation.getOpenAPIPath())
        .getJsonObject(operation.getHttpMethod().name().toLowerCase(Locale.ROOT))
        .getJsonObject("responses").getJsonObject(Integer.toString(status));
    JsonObject content = response == null ? null : response.getJsonObject("content");
    return content == null ? Set.of() : content.fieldNames();
  }

  private int deploy(JsonObject config) {
    BreakerVerticle verticle = new BreakerVerticle(clock);
    Bus.await(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)));
    return verticle.httpPort();
  }

  @AfterAll
  void close() {
    Bus.await(vertx.close());
  }

  private List<Call> calls() {
    return List.of(
        new Call("listBreakers", Server.MAIN, "GET", "/breakers", null, null, 200),
        new Call("listBreakers", Server.SILENT, "GET", "/breakers", null, null, 504),
        new Call("listBreakers", Server.NOBODY, "GET", "/breakers", null, null, 503),
        new Call("getBreaker", Server.MAIN, "GET", "/breakers/closed-one", null, null, 200),
        new Call("getBreaker", Server.MAIN, "GET", "/breakers/opened", null, null, 200),
        new Call("getBreaker", Server.MAIN, "GET", "/breakers/forced", null, null, 200),
        new Call("getBreaker", Server.MAIN, "GET", "/breakers/timed", null, null, 200),
        new Call("getBreaker", Server.MAIN, "GET", "/breakers/off", null, null, 200),
        new Call("getBreaker", Server.MAIN, "GET", "/breakers/counted", null, null, 200),
        new Call("getBreaker", Server.MAIN, "GET", "/breakers/bucketed", null, null, 200),
        new Call("getBreaker", Server.MAIN, "GET", "/breakers/trial", null, null, 200),
        new Call("getBreaker", Server.MAIN, "GET", "/breakers/nobody", null, null, 404),
        new Call("getBreaker", Server.MAIN, "GET", "/breakers/bad%20name", null, null, 400),
        new Call("getBreaker", Server.SILENT, "GET", "/breakers/x", null, null, 504),
        new Call("getBreaker", Server.NOBODY, "GET", "/breakers/x", null, null, 503),
        new Call("getBreakerHistory", Server.MAIN, "GET", "/breakers/opened/history", null, null, 200),
        new Call("getBreakerHistory", Server.MAIN, "GET", "/breakers/closed-one/history?limit=5", null, null, 200),
        new Call("getBreakerHistory", Server.MAIN, "GET", "/breakers/opened/history?limit=0", null, null, 400),
        new Call("getBreakerHistory", Server.MAIN, "GET", "/breakers/nobody/history", null, null, 404),
        new Call("getBreakerHistory", Server.MAIN, "GET", "/breakers/squatted/history", null, null, 503),
        new Call("getBreakerHistory", Server.SILENT, "GET", "/breakers/x/history", null, null, 504),
        new Call("getHealth", Server.MAIN, "GET", "/health", null, null, 200),
        new Call("getInstances", Server.MAIN, "GET", "/instances", null, null, 200),
        new Call("getInstances", Server.SILENT, "GET", "/instances", null, null, 504),
        new Call("getInstances", Server.NOBODY, "GET", "/instances", null, null, 503),
        new Call("getMetrics", Server.MAIN, "GET", "/metrics", null, null, 200),
        new Call("getEvents", Server.MAIN, "GET", "/events", null, null, 200),
        new Call("getDashboard", Server.MAIN, "GET", "/", null, null, 200),
        new Call("getHealth", Server.NOBODY, "GET", "/health", null, null, 503),
        new Call("resetBreaker", Server.MAIN, "POST", "/breakers/to-reset/reset", ADMIN, null, 200),
        new Call("resetBreaker", Server.MAIN, "POST", "/breakers/opened/reset", null, null, 401),
        new Call("resetBreaker", Server.MAIN, "POST", "/breakers/opened/reset", API, null, 401),
        new Call("resetBreaker", Server.MAIN, "POST", "/breakers/nobody/reset", ADMIN, null, 404),
        new Call("resetBreaker", Server.MAIN, "POST", "/breakers/opened/reset", ADMIN, "[1]", 400),
        new Call("resetBreaker", Server.MAIN, "POST", "/breakers/opened/reset", ADMIN, BIG_BODY, 413),
        new Call("resetBreaker", Server.BARE, "POST", "/breakers/opened/reset", ADMIN, null, 404),
        new Call("forceOpenBreaker", Server.MAIN, "POST", "/breakers/maintenance/force-open", ADMIN,
            "{\"duration_ms\": 60000}", 200),
        new Call("forceOpenBreaker", Server.MAIN, "POST", "/breakers/held/force-open", ADMIN, null, 200),
        new Call("forceOpenBreaker", Server.MAIN, "POST", "/breakers/held/force-open", ADMIN,
            "{\"duration_ms\": 0}", 400),
        new Call("forceOpenBreaker", Server.MAIN, "POST", "/breakers/held/force-open", null, null, 401),
        new Call("forceOpenBreaker", Server.MAIN, "POST", "/breakers/held/force-open", ADMIN, BIG_BODY, 413),
        new Call("forceOpenBreaker", Server.BARE, "POST", "/breakers/held/force-open", ADMIN, null, 404),
        new Call("forceOpenBreaker", Server.LIMITED, "POST", "/breakers/first/force-open", ADMIN, null, 200),
        new Call("forceOpenBreaker", Server.LIMITED, "POST", "/breakers/third/force-open", ADMIN, null, 429),
        new Call("disableBreaker", Server.MAIN, "POST", "/breakers/noisy/disable", ADMIN, "{}", 200),
        new Call("disableBreaker", Server.MAIN, "POST", "/breakers/bad%20name/disable", ADMIN, null, 400),
        new Call("disableBreaker", Server.MAIN, "POST", "/breakers/noisy/disable", "Bearer wrong", null, 401),
        new Call("disableBreaker", Server.MAIN, "POST", "/breakers/noisy/disable", ADMIN, BIG_BODY, 413),
        new Call("disableBreaker", Server.LIMITED, "POST", "/breakers/third/disable", ADMIN, null, 429),
        new Call("disableBreaker", Server.BARE, "POST", "/breakers/noisy/disable", ADMIN, null, 404),
        new Call("acquirePermit", Server.MAIN, "POST", "/breakers/closed-one/acquire", API, null, 200),
        new Call("acquirePermit", Server.MAIN, "POST", "/breakers/opened/acquire", API, "{}", 200),
        new Call("acquirePermit", Server.MAIN, "POST", "/breakers/forced/acquire", API, null, 200),
        new Call("acquirePermit", Server.MAIN, "POST", "/breakers/closed-one/acquire", ADMIN, null, 401),
        new Call("acquirePermit", Server.MAIN, "POST", "/breakers/closed-one/acquire", API, "42", 400),
        new Call("acquirePermit", Server.MAIN, "POST", "/breakers/closed-one/acquire", API, BIG_BODY, 413),
        new Call("acquirePermit", Server.LIMITED, "POST", "/breakers/third/acquire", API, null, 429),
        new Call("acquirePermit", Server.BARE, "POST", "/breakers/closed-one/acquire", API, null, 404),
        new Call("recordOutcome", Server.MAIN, "POST", "/breakers/closed-one/record", API,
            "{\"outcome\": \"failure\", \"duration_ms\": 3.5}", 200),
        new Call("recordOutcome", Server.MAIN, "POST", "/breakers/closed-one/record", API,
            "{\"outcome\": \"sometimes\"}", 400),
        new Call("recordOutcome", Server.MAIN, "POST", "/breakers/recorded/record", API,
            "{\"outcome\": \"success\", \"permit\": \"" + usedPermit + "\"}", 409),
        new Call("recordOutcome", Server.MAIN, "POST", "/breakers/closed-one/record", null,
            "{\"outcome\": \"success\"}", 401),
        new Call("recordOutcome", Server.MAIN, "POST", "/breakers/closed-one/record", API, BIG_BODY, 413),
        new Call("recordOutcome", Server.LIMITED, "POST", "/breakers/third/record", API,
            "{\"outcome\": \"success\"}", 429),
        new Call("recordOutcome", Server.BARE, "POST", "/breakers/closed-one/record", API,
            "{\"outcome\": \"success\"}", 404),
        new Call("getOpenApi", Server.MAIN, "GET", "/openapi.json", null, null, 200));
  }

  @TestFactory
  Stream<DynamicTest> eachCallAnswersAsTheDocumentSays() {
    return calls().stream().map(call -> DynamicTest.dynamicTest(call.toString(), () -> check(call)));
  }

  @Test
  void everyDocumentedOperationIsCalled() {
    // Given the operations of the document, and those the calls exercise
    Set<String> documented = new HashSet<>();
    contract.operations().forEach(operation -> documented.add(operation.getOperationId()));
    Set<String> called = new HashSet<>();
    calls().forEach(call -> called.add(call.operationId()));

    // Then every call names a documented operation, and every operation is called here or served elsewhere
    assertThat(documented).containsAll(called);
    Set<String> notCalled = new HashSet<>(documented);
    notCalled.removeAll(called);
    assertThat(notCalled).as("documented but not called").isEqualTo(SERVED_ELSEWHERE);
  }

  @Test
  void theWholeDocumentIsValidOpenApi31() {
    // Given the document as served, event streams and HTML included
    // When it is checked against the OpenAPI 3.1 schema
    OpenAPIVersion version = OpenAPIVersion.fromContract(document);
    var output = Bus.await(version.getRepository(vertx, "app://")
        .compose(repository -> version.validateContract(vertx, repository, document)));

    // Then it is valid
    assertThat(version).isEqualTo(OpenAPIVersion.V3_1);
    assertThat(output.getValid()).as("%s", output.getErrors()).isTrue();
  }

  @Test
  void theServedDocumentIsTheResourceFile() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + ports.get(Server.MAIN) + "/openapi.json")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(new JsonObject(response.body())).isEqualTo(new JsonObject(
        Files.readString(Path.of("src/main/resources/io/tripstate/http/openapi.json"))));
  }

  private void check(Call call) throws Exception {
    // The call uses the operation's documented method and path
    Operation operation = contract.operation(call.operationId());
    assertThat(operation).as("operation %s in the document", call.operationId()).isNotNull();
    assertThat(operation.getHttpMethod().name()).isEqualTo(call.method());
    String path = call.path().replaceFirst("\\?.*", "");
    assertThat(path).matches(operation.getOpenAPIPath().replace("{name}", ".+"));

    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(call.server())
        + call.path())).timeout(Duration.ofSeconds(10))
        .method(call.method(), call.body() == null ? BodyPublishers.noBody() : BodyPublishers.ofString(call.body()));
    if (call.authorization() != null) {
      request.header("Authorization", call.authorization());
    }
    HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    String contentType = response.headers().firstValue("content-type").orElse("");
    String mediaType = contentType.replaceFirst(";.*", "").strip().toLowerCase(Locale.ROOT);
    // An event stream never ends: its headers are what there is to check.
    byte[] body;
    try (InputStream in = response.body()) {
      body = "text/event-stream".equals(mediaType) ? new byte[0] : in.readAllBytes();
    }
    String text = new String(body, StandardCharsets.UTF_8);

    assertThat(response.statusCode()).as("status of %s: %s", call, text).isEqualTo(call.status());
    assertThat(operation.getResponse(call.status())).as("status %d documented for %s", call.status(),
        call.operationId()).isNotNull();
    assertThat(documentedMediaTypes(operation, call.status())).as("content type of %s", call).contains(mediaType);
    if ("application/json".equals(mediaType)) {
      ValidatableResponse validatable = ValidatableResponse.create(call.status(), Buffer.buffer(body), mediaType);
      Bus.await(validator.validate(validatable, call.operationId()));
    } else if (!"text/event-stream".equals(mediaType)) {
      assertThat(text).as("body of %s", call).isNotBlank();
    }
  }
}
