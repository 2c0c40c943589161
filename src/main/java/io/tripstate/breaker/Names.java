package io.tripstate.breaker;

import java.util.regex.Pattern;

/** The rule for breaker names, shared by the API and the store. */
public final class Names {
  /** Letters, digits and {@code . _ : @ / -}, 1 to 128 of them. */
  public static final Pattern PATTERN = Pattern.compile("^[A-Za-z0-9._:@/-]{1,128}$");
  private static final int MAX_LENGTH = 128;

  private Names() {}

  /**
   * Whether a name follows {@link #PATTERN}. Checked character by character: every request checks its name,
   * and a regex match (a new {@code Matcher} each time) was one of the larger costs of an acquire.
   */
  public static boolean isValid(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!allowed(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean allowed(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
        || c == '.' || c == '_' || c == ':' || c == '@' || c == '/' || c == '-';
  }
}
