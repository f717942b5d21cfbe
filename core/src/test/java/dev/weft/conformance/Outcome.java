package dev.weft.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.core.Cancellable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * What the test sees of one operation in any style: how many times it was delivered, on which
 * thread, and with what. Waits are bounded ({@link #WAIT_SECONDS}).
 */
public final class Outcome<T> {
    public static final long WAIT_SECONDS = 20;

    /** value or failure, held without CompletableFuture's own interpretation of cancellation. */
    private record Result<T>(T value, Throwable failure) {}

    private final CompletableFuture<Result<T>> first = new CompletableFuture<>();
    private final AtomicInteger deliveries = new AtomicInteger();
    private volatile Thread deliveredOn;
    private volatile Cancellable handle;
    private volatile BooleanSupplier made = () -> true;
    private volatile boolean runsOnLoop;
    /** The context the first delivery ran with (written before {@code first} completes). */
    private volatile Seen deliveredWith;

    /** The style's handle, for cancellation. */
    public Outcome<T> handle(Cancellable h) {
        this.handle = h;
        return this;
    }

    /**
     * For a style whose call is made on another thread (a coroutine's body): {@code made} tells when
     * the call has been made (the operation started and the caller waits on it, or it is over);
     * {@code runsOnLoop} says that the body runs on the loop thread itself (a loop-affine coroutine),
     * so that a test which blocks that loop holds the call back.
     */
    public Outcome<T> issued(BooleanSupplier made, boolean runsOnLoop) {
        this.made = made;
        this.runsOnLoop = runsOnLoop;
        return this;
    }

    /**
     * Waits until the style's call has been made, so that a cancel after this lands on a started
     * operation rather than racing the call (for callbacks and futures the call is made already).
     */
    public Outcome<T> awaitIssued() {
        BooleanSupplier probe = made;
        Waits.awaitTrue(probe::getAsBoolean, "the call was not made");
        return this;
    }

    /**
     * {@link #awaitIssued()} for a test that has blocked the loops: a call whose body the blocked
     * loop would run cannot be made yet (a cancel now stops it before it starts), so it is not
     * waited for; any other is.
     */
    public Outcome<T> awaitIssuedOrHeldByBlockedLoop() {
        return runsOnLoop ? this : awaitIssued();
    }

    /** Called by the style's completion (callback, dependent stage, coroutine listener). */
    public void deliver(T value, Throwable failure) {
        if (deliveries.incrementAndGet() == 1) {
            deliveredOn = Thread.currentThread();
            deliveredWith = Seen.now();
            first.complete(new Result<>(value, failure == null ? null : unwrap(failure)));
        }
    }

    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    public boolean cancel() {
        return handle.cancel();
    }

    public int deliveries() {
        return deliveries.get();
    }

    public Thread deliveredOn() {
        return deliveredOn;
    }

    /** The context the style's completion (callback, dependent stage, coroutine listener) saw, after it came. */
    public Seen deliveredWith() {
        result();
        return deliveredWith;
    }

    public boolean isDelivered() {
        return first.isDone();
    }

    /** The value, waiting at most {@link #WAIT_SECONDS}; fails the test on failure or timeout. */
    public T value() {
        Result<T> r = result();
        if (r.failure != null) {
            throw new AssertionError("expected a value, got failure " + r.failure, r.failure);
        }
        return r.value;
    }

    private Result<T> result() {
        try {
            return first.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(e);
        } catch (TimeoutException e) {
            throw new AssertionError("operation not delivered within " + WAIT_SECONDS + " s");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The failure, unwrapped, waiting at most {@link #WAIT_SECONDS}; fails the test on success or timeout. */
    public Throwable failure() {
        Result<T> r = result();
        if (r.failure == null) {
            return fail("expected a failure, got value " + r.value);
        }
        return r.failure;
    }

    /**
     * Whether the outcome is a value (else a failure), waiting at most {@link #WAIT_SECONDS}; fails
     * the test on timeout.
     */
    public boolean succeeded() {
        return result().failure == null;
    }

    /** Waits for the outcome either way. */
    public void settle() {
        result();
    }

    /**
     * Asserts one delivery so far. Only meaningful after the loops were flushed
     * ({@link Waits#flushLoops}), so that a late duplicate has had its turn:
     * {@code ConformanceSuite.assertDeliveredOnce} does both.
     */
    public void assertDeliveredOnce() {
        assertEquals(1, deliveries.get(), "deliveries");
    }
}
