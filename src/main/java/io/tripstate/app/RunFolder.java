package io.tripstate.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * This run's temporary folder, {@code <java.io.tmpdir>/tripstate-launcher-<pid>}, for Vert.x's file cache. Vert.x
 * deletes its cache on close, which a JVM killed with SIGKILL never reaches; naming the folder by the pid
 * lets the next run remove the folders of runs that no longer exist.
 */
final class RunFolder {
  private static final String PREFIX = "tripstate-launcher-";
  /** 1 to 7 digits, as a pid on Linux (at most 4194304); a random temporary-file name has about 19. */
  private static final Pattern NAME = Pattern.compile(PREFIX + "(\\d{1,7})");

  private RunFolder() {}

  /** Removes the folders of runs that no longer exist, then creates this run's folder and returns it. */
  static Path create() throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (DirectoryStream<Path> folders = Files.newDirectoryStream(tmp, PREFIX + "*")) {
      for (Path folder : folders) {
        Matcher name = NAME.matcher(folder.getFileName().toString());
        // A pid that runs again may belong to another process now: its folder waits for a later sweep.
        if (name.matches() && ProcessHandle.of(Long.parseLong(name.group(1))).isEmpty()) {
          delete(folder);
        }
      }
    }
    return Files.createDirectories(tmp.resolve(PREFIX + ProcessHandle.current().pid()));
  }

  /** Deletes {@code folder} and everything in it; what is already gone is fine. */
  static void delete(Path folder) throws IOException {
    try (Stream<Path> paths = Files.walk(folder)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (NoSuchFileException e) {
      // gone already
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
