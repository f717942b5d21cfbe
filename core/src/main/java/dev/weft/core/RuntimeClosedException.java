package dev.weft.core;

/**
 * The runtime was closed: thrown by any call that would start an operation on a closed runtime,
 * and delivered as the failure of every operation still pending when {@link WeftRuntime#close()} ran.
 */
public final class RuntimeClosedException extends WeftException {
    private static final long serialVersionUID = 1L;

    public RuntimeClosedException(String message) {
        super(message);
    }
}
