package dev.weft.core;

/** Base of the failures Weft itself raises. Every subclass names the problem and what to do. */
public class WeftException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WeftException(String message) {
        super(message);
    }

    public WeftException(String message, Throwable cause) {
        super(message, cause);
    }
}
