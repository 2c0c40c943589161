package io.tripstate.app.demo;

import io.tripstate.BreakerClient;
import io.tripstate.BreakerVerticle;
import io.tripstate.CallNotPermittedException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The app that {@link Demo} starts, kills and starts again: one {@link BreakerVerticle} (config file given as the
 * first argument), a fake payment service on the event bus that is {@code down} or {@code up} (second argument),
 * and a caller that runs a call to it through breaker {@code payments} with {@link BreakerClient#execute} every
 * {@value #CALL_EVERY_MS} ms, printing what happened to each call on stdout. The caller starts when a line
 * arrives on stdin, so that the demo watches before anything happens.
 */
public final class DemoApp {
  static final String BREAKER = "payments";
  static final String SERVICE_ADDRESS = "demo.payment-service";
  static final long CALL_EVERY_MS = 300;
  /** While calls keep being rejected, one line per this many rejections. */
  private static final int REJECTIONS_PER_LINE = 10;

  private DemoApp() {}

  public static void main(String[] args) throws IOException {
    JsonObject config = new JsonObject(Files.readString(Path.of(args[0])));
    boolean serviceUp = "up".equals(args[1]);
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config))
        .compose(id -> vertx.deployVerticle(new PaymentService(serviceUp)))
        .await();
    System.out.println("ready");
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    vertx.deployVerticle(new Caller(BreakerClient.create(vertx, config.getString("address", "tripstate")))).await();
  }

  /** A payment service that fails every request while down and answers {@code ok} while up. */
  static final class PaymentService extends VerticleBase {
    private final boolean up;

    PaymentService(boolean up) {
      this.up = up;
    }

    @Override
    public Future<?> start() {
      return vertx.eventBus().consumer(SERVICE_ADDRESS, message -> {
        if (up) {
          message.reply("ok");
        } else {
          message.fail(503, "payment service unavailable");
        }
      }).completion();
    }
  }

  /** Calls the service through the breaker on a timer and says what happened, without repeating itself. */
  static final class Caller extends VerticleBase {
    private final BreakerClient breakers;
    private int calls;
    private int rejectedInARow;

    Caller(BreakerClient breakers) {
      this.breakers = breakers;
    }

    @Override
    public Future<?> start() {
      vertx.setPeriodic(1, CALL_EVERY_MS, id -> call());
      return Future.succeededFuture();
    }

    private void call() {
      int number = ++calls;
      breakers.execute(BREAKER, () -> vertx.eventBus().<String>request(SERVICE_ADDRESS, "charge 10 EUR"))
          .onSuccess(reply -> {
            rejectedInARow = 0;
            System.out.println("call " + number + " succeeded: the payment service answered '" + reply.body() + "'");
          })
          .onFailure(e -> {
            if (e instanceof CallNotPermittedException rejected) {
              if (rejectedInARow++ % REJECTIONS_PER_LINE == 0) {
                System.out.printf("call %d rejected by the breaker at once, the service was not called "
                    + "(%s, retry in %.1f s)%n", number, rejected.state(), rejected.retryAfterMs() / 1000.0);
              }
            } else {
              rejectedInARow = 0;
              System.out.println("call " + number + " failed: " + e.getMessage());
            }
          });
    }
  }
}
