package io.tripstate.config;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Sharing breaker states across app instances through Redis (config section {@code sharing}). Every instance
 * with sharing on that uses the same Redis and {@code persistence.keyPrefix} shares the states of its shared
 * breakers; each keeps counting its own calls.
 *
 * @param enabled whether states are shared; default false. Needs persistence (Redis). A breaker keeps its state
 *     to this instance with {@code breakers.{name}.shared: false}
 * @param instanceId this instance's id, in snapshots ({@code instance}), events ({@code origin}), trial leases
 *     and {@code GET /instances}; default the host name plus a random part (a new id per start). Letters,
 *     digits and {@code . _ : @ / -}, at most 128 characters
 * @param resyncMs at least this often an instance makes sure it missed no transition (one Redis command when it
 *     missed none); default 10000
 * @param heartbeatMs how often an instance tells Redis it is alive and reads who else is; an instance unseen for
 *     three heartbeats counts as gone; default 5000. Instances heartbeat with sharing off too, so that one can
 *     warn of another writing the same prefix
 * @param openQuorum how many distinct live instances must trip a shared breaker before it opens for everyone;
 *     default 1 (any instance opens it for all). Below the quorum an instance opens for itself only
 * @param streamMaxLength transitions kept in the shared stream ({@code XADD MAXLEN ~}); an instance that fell
 *     further behind (a long disconnection) reloads every snapshot instead; default 10000
 */
public record SharingConfig(boolean enabled, String instanceId, long resyncMs, long heartbeatMs, int openQuorum,
    int streamMaxLength) {
  public static final long DEFAULT_RESYNC_MS = 10_000;
  public static final long DEFAULT_HEARTBEAT_MS = 5_000;
  public static final int DEFAULT_OPEN_QUORUM = 1;
  public static final int DEFAULT_STREAM_MAX_LENGTH = 10_000;
  private static final Pattern INSTANCE_ID = Pattern.compile("^[A-Za-z0-9._:@/-]{1,128}$");

  static SharingConfig from(ConfigReader section) {
    String id = section.string("instanceId", null);
    if (id != null && !INSTANCE_ID.matcher(id).matches()) {
      throw new ConfigException(section.key("instanceId"), id,
          "must be 1 to 128 letters, digits or . _ : @ / -");
    }
    return new SharingConfig(section.bool("enabled", false), id == null ? defaultInstanceId() : id,
        section.number("resyncMs", DEFAULT_RESYNC_MS, 100, 3_600_000),
        section.number("heartbeatMs", DEFAULT_HEARTBEAT_MS, 100, 600_000),
        (int) section.number("openQuorum", DEFAULT_OPEN_QUORUM, 1, 1_000),
        (int) section.number("streamMaxLength", DEFAULT_STREAM_MAX_LENGTH, 100, 10_000_000));
  }

  /**
   * The host name (cut to fit) and 8 random hex digits, e.g. {@code web-3-9f2c41d0}. The host name comes from the
   * environment ({@code HOSTNAME}, set in containers and most shells), never from a DNS lookup: this runs on the
   * event loop at deploy.
   */
  static String defaultInstanceId() {
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    return host() + "-" + HexFormat.of().formatHex(random);
  }

  /** The host name as the environment gives it, made safe for an id; {@code tripstate} when unknown. */
  public static String host() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      host = System.getenv("COMPUTERNAME");
    }
    if (host == null || host.isBlank()) {
      return "tripstate";
    }
    host = host.replaceAll("[^A-Za-z0-9._-]", "-");
    return host.length() > 100 ? host.substring(0, 100) : host;
  }
}
