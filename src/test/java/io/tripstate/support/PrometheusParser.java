package io.tripstate.support;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Parses a scrape with the Prometheus project's own parser: {@code text_string_to_metric_families} of its
 * Python client (Debian's {@code python3-prometheus-client}, which {@code .ci/run} installs), run as a
 * subprocess. No Java library on Maven Central parses the text format strictly (Hawkular's scraper skips
 * lines it cannot read). A line it cannot read fails the parse; so does a family whose {@code # TYPE}
 * appears twice, which the format forbids and the Python parser lets through.
 */
public final class PrometheusParser {
  private static final String SCRIPT = String.join("\n",
      "import json, sys",
      "from prometheus_client.parser import text_string_to_metric_families",
      "out = []",
      "for family in text_string_to_metric_families(sys.stdin.read()):",
      "    for s in family.samples:",
      "        out.append({'family': family.name, 'type': family.type, 'name': s.name,",
      "                    'labels': s.labels, 'value': repr(float(s.value))})",
      "json.dump(out, sys.stdout)");
  private static final String DEBIAN_PYTHON = "/usr/bin/python3";

  /** One sample as the parser read it. */
  public record Sample(String family, String type, String name, Map<String, String> labels, double value) {}

  private PrometheusParser() {}

  /** The samples of a scrape; fails with the parser's own message when the text is not valid. */
  public static List<Sample> parse(String text) {
    checkTypesOnce(text);
    String python = Files.isExecutable(Path.of(DEBIAN_PYTHON)) ? DEBIAN_PYTHON : "python3";
    try {
      Process process = new ProcessBuilder(python, "-c", SCRIPT).start();
      CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> readAll(process, false));
      CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process, true));
      try (OutputStream in = process.getOutputStream()) {
        in.write(text.getBytes(UTF_8));
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the Prometheus parser did not finish within 60 s");
      }
      String errors = new String(stderr.join(), UTF_8);
      if (process.exitValue() != 0) {
        throw new AssertionError("the Prometheus parser refused the scrape (exit " + process.exitValue() + "): "
            + errors + (errors.contains("No module named") ? "\n(install it: apt-get install -y "
            + "python3-prometheus-client)" : ""));
      }
      return samples(new JsonArray(new String(stdout.join(), UTF_8)));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + python + " for the Prometheus parser: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while parsing", e);
    }
  }

  private static List<Sample> samples(JsonArray parsed) {
    List<Sample> samples = new ArrayList<>(parsed.size());
    for (int i = 0; i < parsed.size(); i++) {
      JsonObject sample = parsed.getJsonObject(i);
      Map<String, String> labels = new LinkedHashMap<>();
      sample.getJsonObject("labels").forEach(label -> labels.put(label.getKey(), (String) label.getValue()));
      samples.add(new Sample(sample.getString("family"), sample.getString("type"), sample.getString("name"),
          labels, number(sample.getString("value"))));
    }
    return samples;
  }

  private static double number(String repr) {
    return switch (repr) {
      case "nan" -> Double.NaN;
      case "inf" -> Double.POSITIVE_INFINITY;
      case "-inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(repr);
    };
  }

  private static void checkTypesOnce(String text) {
    Map<String, Integer> seen = new HashMap<>();
    text.lines().filter(line -> line.startsWith("# TYPE ")).forEach(line -> {
      String family = line.split(" ")[2];
      if (seen.merge(family, 1, Integer::sum) > 1) {
        throw new AssertionError("family " + family + " is declared twice (# TYPE)");
      }
    });
  }

  private static byte[] readAll(Process process, boolean errors) {
    try {
      return (errors ? process.getErrorStream() : process.getInputStream()).readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
