package io.tripstate.faults;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every command a Redis server executes, as {@code MONITOR} reports it, read on a socket of its own by a
 * background thread: what the clients sent, and what scripts ran ({@code source} {@code lua}), in the order
 * the server executed them.
 */
final class RedisMonitor implements AutoCloseable {
  /** One executed command: its arguments as sent, the first being the command name. */
  record Entry(String source, List<String> args) {
    boolean fromScript() {
      return "lua".equals(source);
    }

    String command() {
      return args.get(0).toUpperCase();
    }
  }

  // +1795834024.325205 [0 127.0.0.1:39134] "eval" "..." | +1795834024.325292 [0 lua] "SET" "k" "v"
  private static final Pattern LINE = Pattern.compile("^\\+\\d+\\.\\d+ \\[\\d+ ([^\\]]+)\\] (.*)$");

  private final Socket socket;
  private final InputStream in;
  private final Thread reader;
  private final List<Entry> entries = new ArrayList<>();
  private volatile IOException failure;

  private RedisMonitor(Socket socket, InputStream in) {
    this.socket = socket;
    this.in = in;
    this.reader = new Thread(this::read, "redis-monitor");
    this.reader.setDaemon(true);
  }

  /** Connects, sends MONITOR and returns once the server confirmed it: later commands are all seen. */
  static RedisMonitor attach(int port) {
    try {
      Socket socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.getOutputStream().write("*1\r\n$7\r\nMONITOR\r\n".getBytes(US_ASCII));
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String ok = new String(readLine(in), US_ASCII);
      if (!"+OK".equals(ok)) {
        socket.close();
        throw new IllegalStateException("MONITOR answered " + ok);
      }
      RedisMonitor monitor = new RedisMonitor(socket, in);
      monitor.reader.start();
      return monitor;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What was seen so far. */
  synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }

  @Override
  public void close() {
    try {
      socket.close();
      reader.join(5_000);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw new UncheckedIOException("MONITOR stream broke", failure);
    }
  }

  private void read() {
    try {
      while (true) {
        byte[] line = readLine(in);
        Matcher m = LINE.matcher(new String(line, US_ASCII));
        if (m.matches()) {
          Entry entry = new Entry(m.group(1), unquote(m.group(2)));
          synchronized (this) {
            entries.add(entry);
          }
        }
      }
    } catch (IOException e) {
      if (!socket.isClosed()) {
        failure = e;
      }
    }
  }

  /** Splits {@code "a" "b\"c" "\xc3\xa9"} into its arguments, undoing Redis's escapes (sdscatrepr). */
  static List<String> unquote(String quoted) {
    List<String> args = new ArrayList<>();
    int i = 0;
    while (i < quoted.length()) {
      if (quoted.charAt(i) != '"') {
        i++;
        continue;
      }
      ByteArrayOutputStream arg = new ByteArrayOutputStream();
      i++;
      while (quoted.charAt(i) != '"') {
        char c = quoted.charAt(i);
        if (c == '\\') {
          char next = quoted.charAt(i + 1);
          switch (next) {
            case 'n' -> arg.write('\n');
            case 'r' -> arg.write('\r');
            case 't' -> arg.write('\t');
            case 'a' -> arg.write(7);
            case 'b' -> arg.write('\b');
            case 'x' -> {
              arg.write(Integer.parseInt(quoted.substring(i + 2, i + 4), 16));
              i += 2;
            }
            default -> arg.write(next); // \\ and \"
          }
          i += 2;
        } else {
          arg.write(c);
          i++;
        }
      }
      args.add(arg.toString(UTF_8));
      i++;
    }
    return args;
  }

  private static byte[] readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    for (int b = in.read(); ; b = in.read()) {
      if (b < 0) {
        throw new IOException("MONITOR connection closed");
      }
      if (previous == '\r' && b == '\n') {
        byte[] bytes = line.toByteArray();
        return Arrays.copyOf(bytes, bytes.length - 1);
      }
      line.write(b);
      previous = b;
    }
  }
}
