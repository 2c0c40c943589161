package io.tripstate.bus;

/** A request the API refuses; cheap (no stack trace), since refusals are expected. */
public final class ApiException extends RuntimeException {
  private final ApiError error;

  public ApiException(ApiError error, String message) {
    super(message, null, false, false);
    this.error = error;
  }

  public ApiError error() {
    return error;
  }
}
