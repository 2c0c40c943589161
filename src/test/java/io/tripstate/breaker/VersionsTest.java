package io.tripstate.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A breaker's reported version is the one its current state is (or will be) stored as. */
class VersionsTest {
  private final Versions versions = new Versions();

  private void change() {
    versions.changed();
  }

  @Test
  void aChangeWhileAWriteIsOutWillBeStoredTwoVersionsUp() {
    // Given a breaker stored at version 4 that changed, and whose write of that change is out
    versions.adopted(4);
    change();
    versions.sending(versions.changes());
    assertThat(versions.version()).as("the write out lands as 5").isEqualTo(5);

    // When it changes again before that write answered
    change();

    // Then its version is the one the next write will carry after the one out now
    assertThat(versions.version()).isEqualTo(6);
    versions.stored(5, 1);
    assertThat(versions.version()).isEqualTo(6);
    versions.sending(versions.changes());
    versions.stored(6, versions.changes());
    assertThat(versions.version()).isEqualTo(6);
    assertThat(versions.unwritten()).isFalse();
  }

  @Test
  void aWriteThatDidNotLandNoLongerCounts() {
    versions.adopted(4);
    change();
    versions.sending(versions.changes());
    change();

    versions.notSent();

    assertThat(versions.version()).as("one write will carry both changes").isEqualTo(5);
  }

  @Test
  void rebasingOnAnotherWritersVersionPutsTheUnwrittenStateAboveIt() {
    versions.adopted(4);
    change();
    versions.transitioned();
    versions.sending(versions.changes());

    versions.rebase(50);

    assertThat(versions.version()).isEqualTo(51);
    assertThat(versions.transitionedSinceStored()).isTrue();
  }
}
