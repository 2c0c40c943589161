package io.tripstate.app.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./run.sh demo} as a user runs it: the demo main from the packaged jar (after {@code package}, as
 * failsafe runs it), in a JVM of its own. Its narration must state the three facts, with numbers that agree,
 * and nothing it started may outlive it.
 */
class DemoIT {
  private static final Pattern REDIS_PID = Pattern.compile("Started a private Redis \\(pid (\\d+)");
  private static final Pattern APP_PID = Pattern.compile("(?:Started|Restarted) the app \\(pid (\\d+)");
  private static final Pattern FOLDER = Pattern.compile("its data in (\\S+)\\.");
  private static final Pattern LEFT = Pattern.compile(
      "STILL OPEN after the restart, with ([0-9.]+) s left \\(it had ([0-9.]+) s before the kill\\)");

  @TempDir
  Path dir;
  private Process demo;

  @AfterEach
  void killTheDemoIfItHangs() throws InterruptedException {
    if (demo != null && demo.isAlive()) {
      demo.descendants().forEach(ProcessHandle::destroyForcibly);
      demo.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void opensSurvivesASigkillWithLessTimeLeftClosesAfterOneTrialAndLeavesNothingBehind() throws Exception {
    // Given the demo started as run.sh starts it
    Path output = dir.resolve("demo.out");
    demo = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.util.logging.config.file=conf/logging.properties", "-cp", classPath(), Demo.class.getName())
        .directory(basedir().toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();

    // When it runs to its end
    boolean ended = demo.waitFor(180, TimeUnit.SECONDS);
    String text = Files.readString(output, StandardCharsets.UTF_8);
    System.out.println("[demo] output:\n" + text);

    // Then it succeeded, and said so step by step
    assertThat(ended).as("the demo ended within 180 s; output so far:%n%s", text).isTrue();
    assertThat(demo.exitValue()).as("exit code; output:%n%s", text).isZero();
    assertThat(text).contains("event | payments: closed -> open (failure_threshold)")
        .contains("3. The breaker is OPEN")
        .contains("Killed the app with SIGKILL (exit code 137)")
        .contains("7. The trial succeeded and the breaker CLOSED after one trial")
        .doesNotContain("FAILED");
    // still open after the restart, with less time left than before the kill
    Matcher left = LEFT.matcher(text);
    assertThat(left.find()).as("the 'still open' line").isTrue();
    assertThat(Double.parseDouble(left.group(1))).isPositive().isLessThan(Double.parseDouble(left.group(2)));
    // exactly one trial after the restart
    String afterRestart = text.substring(text.indexOf("5. Restarted the app"));
    assertThat(afterRestart.split("open -> half_open \\(reset_timeout_elapsed\\)", -1)).hasSize(2);
    assertThat(afterRestart).contains("event | payments: half_open -> closed (trial_succeeded)")
        .doesNotContain("half_open -> open");
    // And nothing it started is left: both apps, Redis, the folder
    List<Long> pids = new java.util.ArrayList<>(all(APP_PID, text).stream().map(Long::parseLong).toList());
    pids.addAll(all(REDIS_PID, text).stream().map(Long::parseLong).toList());
    assertThat(pids).hasSize(3);
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("process %d still running", pid).isEmpty();
    }
    assertThat(all(FOLDER, text)).singleElement().satisfies(folder -> assertThat(Path.of(folder)).doesNotExist());
  }

  private static List<String> all(Pattern pattern, String text) {
    return pattern.matcher(text).results().map(m -> m.group(1)).toList();
  }

  /** The packaged jar and its runtime class path when failsafe passed them, else this JVM's class path. */
  private static String classPath() throws IOException {
    String jar = System.getProperty("tripstate.jar");
    String classpathFile = System.getProperty("tripstate.classpathFile");
    if (jar != null && classpathFile != null) {
      return jar + File.pathSeparator + Files.readString(Path.of(classpathFile)).trim();
    }
    return System.getProperty("java.class.path");
  }

  private static Path basedir() {
    return Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  }
}
