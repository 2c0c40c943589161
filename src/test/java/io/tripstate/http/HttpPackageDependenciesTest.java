package io.tripstate.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The root package wires http/ in; http/ must not reach back into it (no package cycle). */
class HttpPackageDependenciesTest {
  /** A class of the root package: {@code io.tripstate.} followed by a type name, not a sub-package. */
  private static final Pattern ROOT_TYPE = Pattern.compile("\\bio\\.tripstate\\.([A-Z]\\w*)");

  @Test
  void httpNeverUsesATypeOfTheRootPackage() throws IOException {
    // Given every source file of http/
    List<String> uses = new ArrayList<>();
    try (Stream<Path> files = Files.list(Path.of("src/main/java/io/tripstate/http"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        // When its references to io.tripstate.* types are collected
        Matcher matcher = ROOT_TYPE.matcher(Files.readString(file));
        while (matcher.find()) {
          uses.add(file.getFileName() + " uses io.tripstate." + matcher.group(1));
        }
      }
    }

    // Then there are none (BreakerVerticle imports http/, so any would close a cycle)
    assertThat(uses).isEmpty();
  }
}
