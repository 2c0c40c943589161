package io.tripstate.support;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.StringJoiner;

/**
 * A minimal blocking RESP client for test assertions that must not depend on the code under test:
 * one connection per command. Replies: simple string or integer as text, error with its leading
 * {@code -}, bulk string as its content or null, array as its elements joined by newlines.
 */
public final class Resp {
  private Resp() {
  }

  /** Sends one command to the Redis at {@code url} ({@code redis://host:port}), 5 s timeout. */
  public static String command(String url, String... args) {
    URI uri = URI.create(url);
    try {
      return send(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort(), Duration.ofSeconds(5), args);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String send(String host, int port, Duration timeout, String... args) throws IOException {
    return send(host, port, timeout, null, args);
  }

  /**
   * Sends one command, first authenticating on the same connection when {@code auth} is given
   * ({@code [password]} or {@code [user, password]}); a refused AUTH is returned instead of the reply.
   */
  static String send(String host, int port, Duration timeout, String[] auth, String... args) throws IOException {
    String[] command = null;
    if (auth != null) {
      command = new String[auth.length + 1];
      command[0] = "AUTH";
      System.arraycopy(auth, 0, command, 1, auth.length);
    }
    return sendAfter(host, port, timeout, command, args);
  }

  /**
   * Sends {@code first} (e.g. AUTH, READONLY) and then {@code args} on one connection; a reply other than OK
   * to {@code first} is returned instead of the reply to {@code args}.
   */
  static String sendAfter(String host, int port, Duration timeout, String[] first, String... args)
      throws IOException {
    try (Socket socket = new Socket()) {
      int millis = (int) timeout.toMillis();
      socket.connect(new InetSocketAddress(host, port), millis);
      socket.setSoTimeout(millis);
      if (first != null) {
        socket.getOutputStream().write(encode(first));
      }
      socket.getOutputStream().write(encode(args));
      InputStream in = new BufferedInputStream(socket.getInputStream());
      if (first != null) {
        String firstReply = readReply(in);
        if (!"OK".equals(firstReply)) {
          return firstReply;
        }
      }
      return readReply(in);
    }
  }

  private static byte[] encode(String... args) {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes(("*" + args.length + "\r\n").getBytes(US_ASCII));
    for (String arg : args) {
      byte[] bytes = arg.getBytes(UTF_8);
      request.writeBytes(("$" + bytes.length + "\r\n").getBytes(US_ASCII));
      request.writeBytes(bytes);
      request.writeBytes("\r\n".getBytes(US_ASCII));
    }
    return request.toByteArray();
  }

  private static String readReply(InputStream in) throws IOException {
    String line = readLine(in);
    String rest = line.substring(1);
    switch (line.charAt(0)) {
      case '+', ':':
        return rest;
      case '-':
        return line;
      case '$':
        int length = Integer.parseInt(rest);
        byte[] bulk = length < 0 ? null : in.readNBytes(length + 2);
        if (bulk != null && bulk.length < length + 2) {
          throw new EOFException("Truncated bulk string");
        }
        return bulk == null ? null : new String(bulk, 0, length, UTF_8);
      case '*':
        int count = Integer.parseInt(rest);
        StringJoiner joined = new StringJoiner("\n");
        for (int i = 0; i < count; i++) {
          String element = readReply(in);
          joined.add(element == null ? "" : element);
        }
        return count < 0 ? null : joined.toString();
      default:
        throw new IOException("Unexpected RESP reply: " + line);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(), previous = -1; !(previous == '\r' && b == '\n'); previous = b, b = in.read()) {
      if (b < 0) {
        throw new EOFException("Connection closed mid-reply");
      }
      line.write(b);
    }
    String text = line.toString(UTF_8);
    if (text.length() < 2) {
      throw new IOException("Empty RESP reply line");
    }
    return text.substring(0, text.length() - 1);
  }

}
