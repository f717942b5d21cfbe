package dev.weft.core;

/**
 * Every operation given to {@code any} failed (or there were none). Each failure is attached as a
 * {@linkplain Throwable#getSuppressed() suppressed} exception, in input order.
 */
public final class AllFailedException extends WeftException {
    private static final long serialVersionUID = 1L;

    public AllFailedException(int count) {
        super(count == 0 ? "any() of no operations: there is nothing that could succeed"
                : "all " + count + " operations given to any() failed (see suppressed exceptions)");
    }
}
