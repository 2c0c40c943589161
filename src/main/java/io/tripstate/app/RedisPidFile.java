package io.tripstate.app;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code redis.pid} in the data folder: which redis-server the launcher started there (pid, port, start time,
 * binary) and which launcher JVM owns it. It outlives a launcher killed with SIGKILL, so that the next one
 * can tell that Redis from an external one, take it over and stop it. The start times guard against a pid
 * that the system gave to another process meanwhile.
 *
 * @param redisPid the redis-server's pid
 * @param port the port it listens on
 * @param redisStarted when it started, as the system reports it
 * @param executable the real path of the binary it runs, extracted by the launcher (deleted when it stops)
 * @param launcherPid the pid of the JVM that owns it
 * @param launcherStarted when that JVM started
 */
record RedisPidFile(long redisPid, int port, Instant redisStarted, Path executable, long launcherPid,
    Instant launcherStarted) {
  static final String NAME = "redis.pid";

  /** A record of {@code redis} on {@code port}, owned by this JVM. */
  static RedisPidFile of(ProcessHandle redis, int port, Path executable) {
    ProcessHandle self = ProcessHandle.current();
    return new RedisPidFile(redis.pid(), port, started(redis), executable, self.pid(), started(self));
  }

  /** The same Redis, owned by this JVM from now on. */
  RedisPidFile ownedByThisJvm() {
    ProcessHandle self = ProcessHandle.current();
    return new RedisPidFile(redisPid, port, redisStarted, executable, self.pid(), started(self));
  }

  /** The record in {@code dataDir}; empty when there is none. */
  static Optional<RedisPidFile> read(Path dataDir) throws IOException {
    Properties properties = new Properties();
    try (Reader in = Files.newBufferedReader(dataDir.resolve(NAME), StandardCharsets.UTF_8)) {
      properties.load(in);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(new RedisPidFile(Long.parseLong(properties.getProperty("pid")),
          Integer.parseInt(properties.getProperty("port")), Instant.parse(properties.getProperty("started")),
          Path.of(properties.getProperty("executable")), Long.parseLong(properties.getProperty("launcherPid")),
          Instant.parse(properties.getProperty("launcherStarted"))));
    } catch (RuntimeException e) { // a missing or malformed entry
      throw new IOException(dataDir.resolve(NAME) + " is unreadable: " + e, e);
    }
  }

  /** Writes the record to {@code dataDir}, replacing the file at once so that a crash never leaves half of it. */
  void write(Path dataDir) throws IOException {
    Properties properties = new Properties();
    properties.setProperty("pid", Long.toString(redisPid));
    properties.setProperty("port", Integer.toString(port));
    properties.setProperty("started", redisStarted.toString());
    properties.setProperty("executable", executable.toString());
    properties.setProperty("launcherPid", Long.toString(launcherPid));
    properties.setProperty("launcherStarted", launcherStarted.toString());
    Path partial = dataDir.resolve(NAME + ".partial");
    try (Writer out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
      properties.store(out, "the redis-server that tripstate's launcher (run.sh) started; removed when it stops it");
    }
    Files.move(partial, dataDir.resolve(NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static void delete(Path dataDir) throws IOException {
    Files.deleteIfExists(dataDir.resolve(NAME));
  }

  /**
   * The recorded redis-server, when it still runs: same pid, same start time, same binary (the system names it
   * by its real path, with " (deleted)" after it once the file is gone).
   */
  Optional<ProcessHandle> liveRedis() {
    return ProcessHandle.of(redisPid).filter(ProcessHandle::isAlive)
        .filter(p -> started(p).equals(redisStarted))
        .filter(p -> p.info().command().filter(c -> c.startsWith(executable.toString())).isPresent());
  }

  /** Whether the launcher that owns the Redis still runs (and is not this JVM). */
  boolean ownedByAnotherLiveJvm() {
    return launcherPid != ProcessHandle.current().pid() && ProcessHandle.of(launcherPid)
        .filter(ProcessHandle::isAlive).filter(p -> started(p).equals(launcherStarted)).isPresent();
  }

  private static Instant started(ProcessHandle process) {
    return process.info().startInstant().orElse(Instant.EPOCH);
  }
}
