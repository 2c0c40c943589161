package io.tripstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A client on a node where no verticle serves its address is told both ways out, not a bare NO_HANDLERS. */
@ExtendWith(VertxExtension.class)
class BreakerClientWithoutOwnerTest {

  @Test
  void aClientWithNoOwnerForItsNodeIsToldBothWaysOut(Vertx vertx) {
    // Given a client on a Vert.x instance where no BreakerVerticle was deployed
    BreakerClient client = BreakerClient.create(vertx, "tripstate.nobody");

    // When it asks for a status
    Throwable error = catchThrowableOfType(CompletionException.class,
        () -> client.status("payments").timeout(5, TimeUnit.SECONDS).toCompletionStage().toCompletableFuture().join())
        .getCause();

    // Then the failure says so and names both ways out
    assertThat(error).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) error).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
    assertThat(error.getMessage()).contains("no BreakerVerticle serves event-bus address 'tripstate.nobody'")
        .contains("deploy one on this node").contains("cluster.scope \"cluster\"");
  }
}
