package dev.weft.core;

import dev.weft.core.internal.Checks;
import dev.weft.core.internal.Disposal;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
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
 * is reference-counted (a TCP reply), closed if it is a connection or a server, so that combining
 * requests or connects never leaks.
 *
 * <p>Bad input is refused before anything starts: a null list or element, an operation that already
 * has its listener, the same operation twice ({@link IllegalArgumentException} naming the index).
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
        if (op.hasListener()) {
            throw new IllegalArgumentException("op: " + op + " already has its listener (expected: an operation nobody"
                    + " listens to yet; the timeout becomes its one listener)");
        }
        loop.runtime().ensureOpen();
        TimeoutOp<T> t = new TimeoutOp<>(loop, op, timeout, listener);
        t.start(nanos);
        return t;
    }


    /**
     * Shares {@code op}'s one outcome with any number of receivers: see {@link Shared}. The shared
     * becomes {@code op}'s one listener.
     *
     * @throws IllegalArgumentException if {@code op} already has its listener
     */
    public static <T> Shared<T> share(Op<T> op) {
        return Shared.of(op);
    }

    /** Base of the fan-in combinators: owns its children, cancels the pending ones when it ends. */
    private abstract static class FanIn<T, R> extends Op<R> {
        final List<? extends Op<? extends T>> children;

        FanIn(Loop loop, List<? extends Op<? extends T>> children, OpListener<? super R> listener) {
            super(loop, listener);
            this.children = List.copyOf(children);
        }

        /**
         * Attaches to every child, or to none: a child that already has its listener (or appears twice)
         * is refused before anything is attached or tracked.
         */
        void start() {
            for (int i = 0, n = children.size(); i < n; i++) {
                Op<? extends T> c = children.get(i);
                if (c.hasListener()) {
                    throw new IllegalArgumentException("ops[" + i + "]: " + c + " already has its listener"
                            + " (expected: operations nobody listens to yet; a combinator becomes their one listener)");
                }
                for (int j = 0; j < i; j++) {
                    if (children.get(j) == c) {
                        throw new IllegalArgumentException("ops[" + i + "]: the same operation as ops[" + j
                                + "] (expected: distinct operations; each has one listener)");
                    }
                }
            }
            track();
            for (int i = 0, n = children.size(); i < n; i++) {
                final int index = i;
                try {
                    children.get(i).onComplete((v, e) -> childDone(index, v, e));
                } catch (IllegalStateException raced) {
                    // another thread attached a listener since the check: end this combinator cleanly
                    abort(raced);
                    throw raced;
                }
            }
        }

        abstract void childDone(int index, T value, Throwable failure);

        /** A combinator owns its children and their values: a losing connection or server is closed. */
        @Override
        protected void disposeUnreceived(R value) {
            Disposal.dispose(value);
        }

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

        /** The list that lost (a cancel came first) holds the collected values: disposeValues() takes those, slot by slot. */
        @Override
        protected void disposeUnreceived(List<T> unreceived) {
            // nothing here: each value is disposed of exactly once, through its slot
        }

        /** Releases every value collected so far; each slot is disposed of by exactly one caller. */
        private void disposeValues() {
            for (int i = 0, n = values.length(); i < n; i++) {
                Object v = values.getAndSet(i, null);
                if (v != null && v != NULL) {
                    Disposal.dispose(v);
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
                if (complete(value)) { // if another child won, or the any() was cancelled, complete() disposes of it
                    cancelChildren();
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
            // a value that lost (another child won, or the race was cancelled) is disposed of by complete()
            if (failure == null ? complete(value) : fail(failure)) {
                cancelChildren();
            }
        }
    }

    /**
     * A deadline on one operation: one object that is the combined operation, its child's one listener
     * and the loop timer's task, so that a deadline costs this object and Netty's timer entry and no
     * closure. Armed on the timeout's loop (the child's, for the facades' per-operation deadlines),
     * where it also fires and completes.
     */
    private static final class TimeoutOp<T> extends Op<T> implements OpListener<T>, Runnable {
        private final Op<? extends T> child;
        private final Duration timeout;
        /** Written once by the starting thread; read by whoever stops the timer (Netty's cancel is thread-safe). */
        private volatile java.util.concurrent.ScheduledFuture<?> timer;

        TimeoutOp(Loop loop, Op<? extends T> child, Duration timeout, OpListener<? super T> listener) {
            super(loop, listener);
            this.child = child;
            this.timeout = timeout;
        }

        @SuppressWarnings("unchecked")
        void start(long nanos) {
            track();
            // Armed even for a child that is done: its delivery may still wait for its loop.
            try {
                timer = loop.armTimer(nanos, this);
            } catch (RuntimeClosedException closed) { // the loop has ended: the deadline cannot run
                if (fail(closed)) {
                    child.cancel();
                }
                return;
            }
            if (isDone()) { // cancelled while arming: onCancel may have missed the timer
                stopTimer();
            }
            ((Op<T>) child).onComplete(this);
        }

        /** The child's outcome. */
        @Override
        public void onComplete(T value, Throwable failure) {
            if (failure == null ? complete(value) : fail(failure)) { // a value after the timeout: complete() disposes of it
                stopTimer();
            }
        }

        /** The timer fired, on the loop. */
        @Override
        public void run() {
            if (fail(new OperationTimeoutException(timeout))) {
                child.cancel();
            }
        }

        /** The timeout owns its child's value: one that arrives too late is closed if it is a connection. */
        @Override
        protected void disposeUnreceived(T value) {
            Disposal.dispose(value);
        }

        private void stopTimer() {
            java.util.concurrent.ScheduledFuture<?> t = timer;
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
