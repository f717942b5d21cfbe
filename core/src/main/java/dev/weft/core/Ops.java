package dev.weft.core;

import dev.weft.core.internal.Checks;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Combinators over operations, written once for every style. Each takes ownership of the operations
 * it is given: it attaches their one listener, and cancelling the combined operation cancels every
 * one of them that is still pending (cancellation travels down the tree). Operations may belong to
 * different loops; the combined one completes on the loop given.
 *
 * <p>A value that reaches a combinator but nobody (it lost a race or an any(), arrived after a
 * timeout or a cancel, or was collected by an all() that then failed) is disposed of: released if it
 * is reference-counted (a TCP reply), so that combining requests never leaks a buffer.
 *
 * <p>All may be called from any thread while the runtime is open.
 */
public final class Ops {
    private Ops() {}

    /**
     * Completes with every value, in input order, once all succeed; fails with the first failure
     * (cancelling the rest). An empty list completes with an empty list.
     */
    public static <T> Op<List<T>> all(Loop loop, List<? extends Op<? extends T>> ops,
            OpListener<? super List<T>> listener) {
        Checks.noNulls(ops, "ops");
        loop.runtime().ensureOpen();
        AllOp<T> all = new AllOp<>(loop, ops, listener);
        all.start();
        return all;
    }

    /**
     * Completes with the first value to arrive (cancelling the rest); fails with
     * {@link AllFailedException} carrying every failure once all have failed, or right away for an
     * empty list.
     */
    public static <T> Op<T> any(Loop loop, List<? extends Op<? extends T>> ops, OpListener<? super T> listener) {
        Checks.noNulls(ops, "ops");
        loop.runtime().ensureOpen();
        AnyOp<T> any = new AnyOp<>(loop, ops, listener);
        any.start();
        return any;
    }

    /**
     * Completes with the first outcome to arrive, value or failure, and cancels the rest.
     *
     * @throws IllegalArgumentException for an empty list (a race of nothing would never end)
     */
    public static <T> Op<T> race(Loop loop, List<? extends Op<? extends T>> ops, OpListener<? super T> listener) {
        Checks.noNulls(ops, "ops");
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("ops: [] (expected: at least one operation to race)");
        }
        loop.runtime().ensureOpen();
        RaceOp<T> race = new RaceOp<>(loop, ops, listener);
        race.start();
        return race;
    }

    /**
     * Completes like {@code op} if it completes within {@code timeout}; otherwise cancels it and fails
     * with {@link OperationTimeoutException}.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public static <T> Op<T> timeout(Loop loop, Op<? extends T> op, Duration timeout, OpListener<? super T> listener) {
        Checks.notNull(op, "op");
        long nanos = Checks.saturatedNanos(Checks.notNegative(timeout, "timeout"));
        loop.runtime().ensureOpen();
        TimeoutOp<T> t = new TimeoutOp<>(loop, op, timeout, listener);
        t.start(nanos);
        return t;
    }

    /**
     * Disposes of a value nobody will receive (it lost a race, arrived after a timeout, or belonged
     * to an all() that failed): a reference-counted one (a reply buffer) is released, anything else
     * is left to the garbage collector.
     */
    static void dispose(Object value) {
        ReferenceCountUtil.release(value);
    }

    /** Base of the fan-in combinators: owns its children, cancels the pending ones when it ends. */
    private abstract static class FanIn<T, R> extends Op<R> {
        final List<? extends Op<? extends T>> children;

        FanIn(Loop loop, List<? extends Op<? extends T>> children, OpListener<? super R> listener) {
            super(loop, listener);
            this.children = List.copyOf(children);
        }

        void start() {
            track();
            for (int i = 0, n = children.size(); i < n; i++) {
                final int index = i;
                children.get(i).onComplete((v, e) -> childDone(index, v, e));
            }
        }

        abstract void childDone(int index, T value, Throwable failure);

        void cancelChildren() {
            for (Op<? extends T> c : children) {
                c.cancel();
            }
        }

        @Override
        protected void onCancel() {
            cancelChildren();
        }
    }

    private static final class AllOp<T> extends FanIn<T, List<T>> {
        /** Values so far; a slot is taken back (set to null) by whoever disposes of it. */
        private final AtomicReferenceArray<Object> values;
        private final AtomicInteger remaining;

        AllOp(Loop loop, List<? extends Op<? extends T>> ops, OpListener<? super List<T>> listener) {
            super(loop, ops, listener);
            values = new AtomicReferenceArray<>(ops.size());
            remaining = new AtomicInteger(ops.size());
        }

        @Override
        void start() {
            if (children.isEmpty()) {
                loop.execute(() -> complete(Collections.emptyList()));
                return;
            }
            super.start();
        }

        @Override
        @SuppressWarnings("unchecked")
        void childDone(int index, T value, Throwable failure) {
            if (failure != null) {
                if (fail(failure)) {
                    cancelChildren();
                    disposeValues();
                }
                return;
            }
            values.set(index, value == null ? NULL : value);
            if (isDone()) { // failed or cancelled meanwhile: this value would be kept by nobody
                disposeValues();
                return;
            }
            if (remaining.decrementAndGet() == 0) {
                Object[] all = new Object[values.length()];
                for (int i = 0; i < all.length; i++) {
                    Object v = values.get(i);
                    all[i] = v == NULL ? null : v;
                }
                if (!complete((List<T>) Collections.unmodifiableList(Arrays.asList(all)))) {
                    disposeValues();
                }
            }
        }

        @Override
        protected void onCancel() {
            super.onCancel();
            disposeValues();
        }

        /** Releases every value collected so far; each slot is disposed of by exactly one caller. */
        private void disposeValues() {
            for (int i = 0, n = values.length(); i < n; i++) {
                Object v = values.getAndSet(i, null);
                if (v != null && v != NULL) {
                    dispose(v);
                }
            }
        }

        /** A collected null value (a null slot means "not collected or disposed of"). */
        private static final Object NULL = new Object();
    }

    private static final class AnyOp<T> extends FanIn<T, T> {
        private final Throwable[] failures;
        private final AtomicInteger remaining;

        AnyOp(Loop loop, List<? extends Op<? extends T>> ops, OpListener<? super T> listener) {
            super(loop, ops, listener);
            failures = new Throwable[ops.size()];
            remaining = new AtomicInteger(ops.size());
        }

        @Override
        void start() {
            if (children.isEmpty()) {
                loop.execute(() -> fail(new AllFailedException(0)));
                return;
            }
            super.start();
        }

        @Override
        void childDone(int index, T value, Throwable failure) {
            if (failure == null) {
                if (complete(value)) {
                    cancelChildren();
                } else {
                    dispose(value); // another child won, or the any() was cancelled
                }
                return;
            }
            failures[index] = failure;
            if (remaining.decrementAndGet() == 0) {
                AllFailedException all = new AllFailedException(failures.length);
                for (Throwable f : failures) {
                    all.addSuppressed(f);
                }
                fail(all);
            }
        }
    }

    private static final class RaceOp<T> extends FanIn<T, T> {
        RaceOp(Loop loop, List<? extends Op<? extends T>> ops, OpListener<? super T> listener) {
            super(loop, ops, listener);
        }

        @Override
        void childDone(int index, T value, Throwable failure) {
            if (failure == null ? complete(value) : fail(failure)) {
                cancelChildren();
            } else if (failure == null) {
                dispose(value); // another child won, or the race was cancelled
            }
        }
    }

    private static final class TimeoutOp<T> extends Op<T> {
        private final Op<? extends T> child;
        private final Duration timeout;
        private volatile io.netty.util.concurrent.ScheduledFuture<?> timer;

        TimeoutOp(Loop loop, Op<? extends T> child, Duration timeout, OpListener<? super T> listener) {
            super(loop, listener);
            this.child = child;
            this.timeout = timeout;
        }

        void start(long nanos) {
            track();
            timer = loop.eventLoop.schedule(this::expire, nanos, TimeUnit.NANOSECONDS);
            child.onComplete((v, e) -> {
                if (e == null ? complete(v) : fail(e)) {
                    stopTimer();
                } else if (e == null) {
                    dispose(v); // arrived after the timeout (or a cancel)
                }
            });
        }

        private void expire() {
            if (fail(new OperationTimeoutException(timeout))) {
                child.cancel();
            }
        }

        private void stopTimer() {
            io.netty.util.concurrent.ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
        }

        @Override
        protected void onCancel() {
            stopTimer();
            child.cancel();
        }
    }
}
