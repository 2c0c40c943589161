package io.tripstate.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/**
 * Ranks a JFR recording's samples on one thread (by default the one that ran {@code BreakerApi} most): the
 * hottest leaf methods, the tripstate methods on the stack (inclusive), and every sample charged to the
 * tripstate frame nearest the leaf (what tripstate's own code costs, library calls it makes included). The
 * same for allocation samples, weighted by bytes. {@code jfr print} shows raw events only in JDK 17.
 *
 * <p>{@code java -cp "$CP" io.tripstate.bench.JfrTop [--top=N] [--thread=NAME] a.jfr [b.jfr ...]}: several
 * recordings of the same run are added up.
 */
public final class JfrTop {
  private static final String OWN = "io.tripstate.";
  private static final String MARK = "io.tripstate.bus.BreakerApi";

  private JfrTop() {}

  public static void main(String[] args) throws IOException {
    int top = 10;
    String thread = null;
    List<RecordedEvent> events = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("--top=")) {
        top = Integer.parseInt(arg.substring(6));
      } else if (arg.startsWith("--thread=")) {
        thread = arg.substring(9);
      } else {
        events.addAll(RecordingFile.readAllEvents(Path.of(arg)));
      }
    }
    thread = thread != null ? thread : busiestApiThread(events);
    System.out.println("thread: " + thread);
    report(events, "jdk.ExecutionSample", "sampledThread", thread, e -> 1, top, "samples");
    report(events, "jdk.ObjectAllocationSample", "eventThread", thread, e -> e.getLong("weight"), top, "bytes");
  }

  private static void report(List<RecordedEvent> all, String type, String threadField, String thread,
      ToLongFunction<RecordedEvent> weightOf, int top, String unit) {
    Map<String, Long> leaf = new HashMap<>();
    Map<String, Long> inclusive = new HashMap<>();
    Map<String, Long> nearestOwn = new HashMap<>();
    Map<String, Long> nearestCallee = new HashMap<>();
    Map<String, Long> allocated = new HashMap<>();
    long total = 0;
    for (RecordedEvent event : all) {
      if (!event.getEventType().getName().equals(type) || event.getStackTrace() == null
          || !thread.equals(threadName(event, threadField))) {
        continue;
      }
      long weight = weightOf.applyAsLong(event);
      total += weight;
      List<RecordedFrame> frames = event.getStackTrace().getFrames();
      if (frames.isEmpty()) {
        continue;
      }
      leaf.merge(name(frames.get(0)), weight, Long::sum);
      if (event.hasField("objectClass")) {
        allocated.merge(event.getClass("objectClass").getName(), weight, Long::sum);
      }
      Set<String> seen = new HashSet<>();
      String nearest = null;
      String callee = null;
      for (int i = 0; i < frames.size(); i++) {
        String name = name(frames.get(i));
        if (name.startsWith(OWN)) {
          if (nearest == null) {
            nearest = name;
            callee = i == 0 ? "(self)" : name(frames.get(i - 1)) + ":" + frames.get(i).getLineNumber();
          }
          if (seen.add(name)) {
            inclusive.merge(name, weight, Long::sum);
          }
        }
      }
      nearestOwn.merge(nearest == null ? "(no tripstate frame)" : nearest, weight, Long::sum);
      nearestCallee.merge(nearest == null ? "(no tripstate frame)" : nearest + " -> " + callee, weight, Long::sum);
    }
    System.out.printf("%n== %s: %,d %s on %s%n", type, total, unit, thread);
    print("leaf (self) methods", leaf, total, top);
    if (!allocated.isEmpty()) {
      print("allocated classes", allocated, total, top);
    }
    print("charged to the nearest tripstate frame", nearestOwn, total, top);
    print("same, by the call it made there (callee:line)", nearestCallee, total, top);
    print("tripstate methods on the stack (inclusive)", inclusive, total, top);
  }

  private static void print(String title, Map<String, Long> counts, long total, int top) {
    System.out.println("-- " + title);
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top)
        .forEach(e -> System.out.printf("%6.1f%%  %s%n", 100.0 * e.getValue() / Math.max(1, total), e.getKey()));
  }

  /** The thread with the most execution samples that have {@code BreakerApi} on the stack. */
  private static String busiestApiThread(List<RecordedEvent> events) {
    Map<String, Long> counts = new HashMap<>();
    for (RecordedEvent event : events) {
      if (event.getEventType().getName().equals("jdk.ExecutionSample") && event.getStackTrace() != null
          && event.getStackTrace().getFrames().stream().anyMatch(f -> name(f).startsWith(MARK))) {
        counts.merge(threadName(event, "sampledThread"), 1L, Long::sum);
      }
    }
    return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
        .orElseThrow(() -> new IllegalStateException("no sample ran " + MARK));
  }

  private static String threadName(RecordedEvent event, String field) {
    return event.hasField(field) && event.getThread(field) != null ? event.getThread(field).getJavaName() : "";
  }

  private static String name(RecordedFrame frame) {
    RecordedMethod method = frame.getMethod();
    if (method == null) {
      return "(unknown)";
    }
    // Hidden classes of lambdas carry a per-run suffix: "BreakerApi$$Lambda$169+0x...".
    String type = method.getType().getName().replaceFirst("\\$\\$Lambda\\$.*", "\\$\\$Lambda");
    return type + "." + method.getName();
  }
}
