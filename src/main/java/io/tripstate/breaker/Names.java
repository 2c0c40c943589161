package io.tripstate.breaker;

import java.util.regex.Pattern;

/** The rule for breaker names, shared by the API and the store. */
public final class Names {
  /** Letters, digits and {@code . _ : @ / -}, 1 to 128 of them. */
  public static final Pattern PATTERN = Pattern.compile("^[A-Za-z0-9._:@/-]{1,128}$");

  private Names() {}

  public static boolean isValid(String name) {
    return name != null && PATTERN.matcher(name).matches();
  }
}
