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

  @Test
  void aLocalChangeNeitherMarksTheBreakerUnwrittenNorMovesItsVersion() {
    // Given a shared breaker stored at version 7
    versions.adopted(7);

    // When it makes a change that stays with the instance (a counter change, a derived half_open)
    change();
    versions.local();

    // Then nothing is left to write and it still reports the stored version
    assertThat(versions.unwritten()).isFalse();
    assertThat(versions.version()).isEqualTo(7);

    // And a change to be written after it counts as usual, and lands one version up
    change();
    assertThat(versions.unwritten()).isTrue();
    assertThat(versions.version()).isEqualTo(8);
    versions.sending(versions.changes());
    versions.stored(8, versions.changes());
    assertThat(versions.unwritten()).isFalse();
  }

  @Test
  void aLocalChangeAfterAnUnwrittenOneLeavesThatOneToWrite() {
    versions.adopted(7);
    change();
    change();
    versions.local();

    assertThat(versions.unwritten()).isTrue();
    assertThat(versions.version()).isEqualTo(8);
  }

  @Test
  void aStoredAnswerNeverTakesTheVersionBack() {
    // Given a breaker that took version 9 of another instance while its own write of version 8 was out
    versions.adopted(7);
    change();
    versions.sending(versions.changes());
    versions.adopted(9);

    // When its own write's answer arrives
    versions.stored(8, versions.changes());

    // Then it stays based on 9
    assertThat(versions.storedVersion()).isEqualTo(9);
  }
}
