package dev.weft.core;

import java.util.concurrent.CancellationException;

/**
 * The failure an operation completes with when it is cancelled: a {@link CancellationException}, so
 * code that catches that (or checks {@code isCancelled()}) sees no difference.
 *
 * <p>It has no stack trace by default. A cancellation is an expected outcome, often many at once
 * (the nine losers of an {@code any} of ten, the children of a failed scope), and filling in a stack
 * per cancelled operation cost more than the rest of the cancellation together (about 1.5 KB and
 * several microseconds each). Run with {@code -Dweft.cancel.stackTraces=true} to get the stack of
 * the {@code cancel()} call while debugging.
 */
public final class OperationCancelledException extends CancellationException {
    private static final long serialVersionUID = 1L;

    /** Tunable: {@code true} fills in the stack trace of each cancellation (debugging). Default {@code false}. */
    public static final String STACK_TRACES_PROPERTY = "weft.cancel.stackTraces";

    private static final boolean STACK_TRACES = Boolean.getBoolean(STACK_TRACES_PROPERTY);

    /** A cancellation with {@code message}; no stack trace unless {@value #STACK_TRACES_PROPERTY} is set. */
    public OperationCancelledException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return STACK_TRACES ? super.fillInStackTrace() : this;
    }
}
