package io.tripstate.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The name rule, checked character by character, says what its documented regex says. */
class NamesTest {

  @Test
  void acceptsEveryAllowedCharacterAndNoOther() {
    for (int c = 0; c <= Character.MAX_VALUE; c++) {
      String name = "a" + (char) c + "z";

      assertThat(Names.isValid(name)).as("U+%04X", c).isEqualTo(Names.PATTERN.matcher(name).matches());
    }
  }

  @Test
  void acceptsOneTo128CharactersAndRefusesEmptyNullAndLonger() {
    assertThat(Names.isValid("a")).isTrue();
    assertThat(Names.isValid("a".repeat(128))).isTrue();
    assertThat(Names.isValid("a".repeat(129))).isFalse();
    assertThat(Names.isValid("")).isFalse();
    assertThat(Names.isValid(null)).isFalse();
  }

  @Test
  void refusesATrailingNewlineAsTheAnchoredRegexDoes() {
    assertThat(Names.isValid("payments\n")).isFalse();
    assertThat(Names.PATTERN.matcher("payments\n").matches()).isFalse();
  }

  @Property(tries = 2_000)
  void agreesWithThePatternOnRandomNames(@ForAll("names") String name) {
    assertThat(Names.isValid(name)).isEqualTo(Names.PATTERN.matcher(name).matches());
  }

  @Provide
  Arbitrary<String> names() {
    Arbitrary<String> mostlyValid = Arbitraries.strings().withChars("abcXYZ019._:@/-").ofMinLength(0).ofMaxLength(140);
    Arbitrary<String> anything = Arbitraries.strings().all().ofMinLength(0).ofMaxLength(140);
    Arbitrary<String> nearTheLimit = Arbitraries.strings().withChars("aZ9-").ofMinLength(126).ofMaxLength(130);
    return Arbitraries.oneOf(mostlyValid, anything, nearTheLimit);
  }
}
