package dev.samsa.testkit;

/** The broker could not be found, started, stopped or asked something; the message says why. */
public class SamsaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SamsaException(String message) {
    super(message);
  }

  public SamsaException(String message, Throwable cause) {
    super(message, cause);
  }
}
