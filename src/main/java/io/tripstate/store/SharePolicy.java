package io.tripstate.store;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.Snapshot;
import io.tripstate.breaker.Transition;

/**
 * Which changes {@link Persistence} writes to Redis, and what follows a write: every change, and nothing, for a
 * single instance (the default, {@link #ALL}); with sharing across instances, only the shared transitions, each
 * announced once written ({@code sharing.Sharing}). Called on the owner's context.
 */
public interface SharePolicy {
  /** Writes every change; nothing follows a write. */
  SharePolicy ALL = new SharePolicy() {
    @Override
    public boolean writes(Breaker breaker, Transition transition) {
      return true;
    }

    @Override
    public void written(Breaker breaker, Snapshot stored) {}
  };

  /** Whether a change is written: {@code transition} is {@code null} for a counter change. */
  boolean writes(Breaker breaker, Transition transition);

  /** The store accepted a write: {@code stored} is the snapshot as Redis holds it now. */
  void written(Breaker breaker, Snapshot stored);
}
