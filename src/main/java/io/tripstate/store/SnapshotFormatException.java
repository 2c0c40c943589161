package io.tripstate.store;

/** A stored value that cannot be read as a snapshot; the message says what is wrong with it. */
public final class SnapshotFormatException extends Exception {
  public SnapshotFormatException(String message) {
    super(message, null, false, false);
  }
}
