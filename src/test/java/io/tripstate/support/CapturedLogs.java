package io.tripstate.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** The log lines of one class at a level or above, as formatted text; close to stop capturing. */
public final class CapturedLogs implements AutoCloseable {
  private final Logger logger; // held strongly: java.util.logging keeps loggers only weakly
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Handler handler;

  private CapturedLogs(Class<?> source, Level level) {
    logger = Logger.getLogger(source.getName());
    SimpleFormatter formatter = new SimpleFormatter();
    handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= level.intValue()) {
          lines.add(record.getLevel() + " " + formatter.formatMessage(record));
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(handler);
  }

  /** Captures what {@code source} logs at {@code level} or above. */
  public static CapturedLogs of(Class<?> source, Level level) {
    return new CapturedLogs(source, level);
  }

  /** The lines so far, each starting with its level ({@code WARNING ...}). */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    logger.removeHandler(handler);
  }
}
