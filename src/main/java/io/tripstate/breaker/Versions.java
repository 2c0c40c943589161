package io.tripstate.breaker;

/**
 * A breaker's versions: the store owns them (every accepted write stores the version it was based on plus
 * one), so the breaker only remembers which stored copy its state is based on and which of its own changes
 * are not in that copy yet. That is what the reconciliation rule of {@link BreakerRegistry#reconcile} reads.
 *
 * <p>Local changes are counted here ({@link #changes()}, never stored): a write covers the changes made up to
 * when it was taken, so changes made while it was in flight stay unwritten. The breaker counts its changes;
 * whoever writes its snapshots ({@code store.Persistence}) reports what the store did with them. Confined to
 * the breaker's owner.
 */
public final class Versions {
  private long storedVersion;
  private long changes;
  private long storedChanges;
  /** The count at the last change that is to be written (see {@link #local()}), and the one before it. */
  private long writableChange;
  private long previousWritable;
  private long transitionChange;
  private long operatorChange;
  /** The changes covered by the write out now, or -1 when none is. */
  private long sendingChanges = -1;

  Versions() {}

  /**
   * The version reported for the breaker, the one its current state is (or will be) stored as:
   * {@link #storedVersion()}, plus one for a write out now, plus one for changes that write does not cover.
   * Exact unless a write fails or the store holds another writer's version.
   */
  public long version() {
    boolean sending = sendingChanges >= 0;
    long covered = sending ? sendingChanges : storedChanges;
    return storedVersion + (sending ? 1 : 0) + (writableChange > covered ? 1 : 0);
  }

  /** The version of the stored copy this state is based on; 0 when nothing was stored or restored. */
  public long storedVersion() {
    return storedVersion;
  }

  /** How many persisted changes (transitions and counter changes) this breaker made in this process. */
  public long changes() {
    return changes;
  }

  /** Whether some change made here that is to be written is not in the stored copy yet. */
  public boolean unwritten() {
    return writableChange > storedChanges;
  }

  /** Whether a transition was made here since the stored copy (a counter change alone is not one). */
  public boolean transitionedSinceStored() {
    return transitionChange > storedChanges;
  }

  /** Whether an operator action (reset, force_open, disable) was made here since the stored copy. */
  public boolean operatorActionSinceStored() {
    return operatorChange > storedChanges;
  }

  /**
   * The store accepted a write taken when {@link #changes()} was {@code coveredChanges}, at {@code version};
   * changes made after it was taken stay unwritten.
   */
  public void stored(long version, long coveredChanges) {
    // Never back: with sharing, a newer version of another instance may have been taken meanwhile.
    storedVersion = Math.max(storedVersion, version);
    storedChanges = Math.max(storedChanges, coveredChanges);
    sendingChanges = -1;
  }

  /** A write covering the changes up to {@code coveredChanges} goes out now, based on {@link #storedVersion()}. */
  public void sending(long coveredChanges) {
    sendingChanges = coveredChanges;
  }

  /** The write out did not land, as far as this instance knows (it failed, or was never sent). */
  public void notSent() {
    sendingChanges = -1;
  }

  /**
   * The store holds {@code version} of another writer and this breaker keeps its own state: its next write is
   * based on that version, so that it lands above it.
   */
  public void rebase(long version) {
    storedVersion = version;
    sendingChanges = -1;
  }

  /** The breaker took a stored copy of {@code version}: nothing made here is left to write. */
  void adopted(long version) {
    storedVersion = version;
    storedChanges = changes;
    sendingChanges = -1;
  }

  void changed() {
    changes++;
    previousWritable = writableChange;
    writableChange = changes;
  }

  /**
   * The last change stays with this instance and is never written (sharing across instances: a local counter
   * change, a {@code half_open} each instance derives itself): it neither makes the breaker unwritten nor moves
   * its reported version.
   */
  public void local() {
    writableChange = previousWritable;
  }

  void transitioned() {
    transitionChange = changes;
  }

  void byOperator() {
    operatorChange = changes;
  }
}
