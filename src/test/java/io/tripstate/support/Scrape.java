package io.tripstate.support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A parsed scrape (see {@link PrometheusParser}), looked up by sample name and exact label set. */
public final class Scrape {
  private final String text;
  private final List<PrometheusParser.Sample> samples;

  private Scrape(String text, List<PrometheusParser.Sample> samples) {
    this.text = text;
    this.samples = samples;
  }

  public static Scrape parse(String text) {
    return new Scrape(text, PrometheusParser.parse(text));
  }

  /**
   * The value of the sample with this name and exactly these labels ({@code "name", "payments", "kind",
   * "failed"}); fails naming what was there when there is none.
   */
  public double value(String sample, String... labels) {
    Map<String, String> wanted = labels(labels);
    return samples.stream()
        .filter(s -> s.name().equals(sample) && s.labels().equals(wanted))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no sample " + sample + wanted + "; samples of that name: "
            + samples.stream().filter(s -> s.name().equals(sample)).map(s -> s.labels() + "=" + s.value())
                .collect(Collectors.joining(", "))))
        .value();
  }

  /** The type the parser gave the family of a sample name (e.g. {@code counter} for {@code x_total}). */
  public String typeOf(String sample) {
    return samples.stream().filter(s -> s.name().equals(sample)).findFirst()
        .orElseThrow(() -> new AssertionError("no sample named " + sample)).type();
  }

  /** Whether any sample has a name starting so. */
  public boolean hasSampleStartingWith(String prefix) {
    return samples.stream().anyMatch(s -> s.name().startsWith(prefix));
  }

  public int size() {
    return samples.size();
  }

  public String text() {
    return text;
  }

  private static Map<String, String> labels(String... pairs) {
    if (pairs.length % 2 != 0) {
      throw new IllegalArgumentException("labels come in name, value pairs");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      labels.put(pairs[i], pairs[i + 1]);
    }
    return labels;
  }
}
