package io.tripstate.bus;

/**
 * The failure codes of the event-bus API, sent as {@code ReplyException} failure codes and used as HTTP
 * status codes by the status routes.
 */
public enum ApiError {
  /** The request is malformed: body, name, action or a field. */
  BAD_REQUEST(400),
  /** {@code status}, {@code reset} or {@code history} of a name that does not exist. */
  NOT_FOUND(404),
  /** {@code record} with a permit that is unknown, already used or expired; nothing changed. */
  CONFLICT(409),
  /** A new name would exceed {@code maxBreakers}. */
  TOO_MANY_BREAKERS(429),
  /** A bug: the request could not be handled. Logged with its stack trace. */
  INTERNAL(500),
  /**
   * {@code call}: the breaker rejected the call, or no handler listens at the target address; {@code history}:
   * the history cannot be read.
   */
  UNAVAILABLE(503),
  /** {@code call}: the target did not reply within the timeout. */
  TIMEOUT(504);

  private final int code;

  ApiError(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
