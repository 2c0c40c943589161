package io.tripstate.breaker;

/**
 * The trial permits of one owner instance, as numbers for its breakers and as opaque strings on the wire.
 *
 * <p>A trial permit is a sequence number and the instance's tag: {@code "<number>.<tag>"}. The numbers start
 * at {@link #seed()}, the instance's start time in milliseconds shifted left by 20 bits, so that an instance
 * that restarts hands out numbers above every permit of its previous run (unless that run handed out more
 * than about a million trial permits per millisecond it lived). The tag is 64 random bits drawn once per
 * instance, so that two instances started in the same millisecond (later sharing one Redis) never hand out
 * the same permit string, and an instance never takes another instance's permit for one of its own trials.
 * (Random, so "never" means a chance of 2<sup>-64</sup> per pair of instances, as with a random UUID.)
 *
 * <p>A permit with another tag (another instance, or this one before a restart) parses to {@link #STALE}, which
 * a breaker treats like any permit from before its start: counted while closed, refused (409) in half-open.
 * Untracked permits ({@code "0"}, from closed and disabled breakers) and plain numbers (permits of versions
 * before the tag) parse as numbers, as before. Pure Java, immutable, safe to share between threads.
 */
public final class Permits {
  /** What a permit of another instance or of an earlier run parses to: below every seed, above 0. */
  public static final long STALE = 1;
  private static final Long BOXED_UNTRACKED = Breaker.UNTRACKED_PERMIT;
  private static final Long BOXED_STALE = STALE;
  private static final char SEPARATOR = '.';
  private static final int TAG_LENGTH = 16;

  private final long seed;
  private final String tag;

  /**
   * @param startMs when the instance started, epoch ms: the base of its permit numbers
   * @param random 64 random bits that tell this instance apart (e.g. from {@code SecureRandom})
   */
  public Permits(long startMs, long random) {
    this.seed = startMs << 20;
    this.tag = String.format("%016x", random);
  }

  /** The number below the first permit; pass it to the registry as its permit seed. */
  public long seed() {
    return seed;
  }

  /** This instance's tag, 16 hex digits. */
  public String tag() {
    return tag;
  }

  /** The wire form of a permit a breaker of this instance handed out. */
  public String text(long permit) {
    return permit == Breaker.UNTRACKED_PERMIT ? Breaker.UNTRACKED_PERMIT_TEXT : permit + "." + tag;
  }

  /**
   * The number of a permit in its wire form: its own number when it carries this instance's tag,
   * {@link #STALE} when it carries another; a plain number as it is. Allocates nothing for {@code "0"}.
   *
   * @throws IllegalArgumentException when the text is not a permit
   */
  public Long parse(String text) {
    if (Breaker.UNTRACKED_PERMIT_TEXT.equals(text)) {
      return BOXED_UNTRACKED;
    }
    int dot = text.indexOf(SEPARATOR);
    try {
      if (dot < 0) {
        return Long.parseLong(text);
      }
      long number = Long.parseLong(text, 0, dot, 10);
      if (number <= 0 || !isTag(text, dot + 1)) {
        throw new IllegalArgumentException("not a permit: " + text);
      }
      return text.regionMatches(dot + 1, tag, 0, TAG_LENGTH) ? number : BOXED_STALE;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a permit: " + text, e);
    }
  }

  /** Whether the text from {@code from} to its end is a tag: 16 lower-case hex digits. */
  private static boolean isTag(String text, int from) {
    if (text.length() - from != TAG_LENGTH) {
      return false;
    }
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
        return false;
      }
    }
    return true;
  }
}
