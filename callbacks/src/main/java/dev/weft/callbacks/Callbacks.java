package dev.weft.callbacks;

import dev.weft.core.Cancellable;
import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.Ops;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import dev.weft.core.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Weft in callback style. Each operation takes a {@link Callback} and returns a {@link Cancellable}
 * handle; the callback runs exactly once, on the loop thread, with the value or the failure.
 *
 * <pre>{@code
 * Callbacks cb = Callbacks.of(runtime);
 * cb.submit(() -> 6 * 7, (answer, err) -> {
 *     if (err != null) { log.warn("failed", err); return; }
 *     cb.delay(Duration.ofMillis(10), (v, e) -> System.out.println(answer));
 * });
 * }</pre>
 *
 * <p>Which loop: an operation started on a loop thread stays on that loop; from any other thread it
 * goes to the runtime's next loop (round-robin), or to the loop given to {@link #on(Loop)}.
 *
 * <p>Errors: bad arguments throw right away ({@link IllegalArgumentException},
 * {@link NullPointerException}); starting an operation on a closed runtime throws
 * {@link dev.weft.core.RuntimeClosedException}; every other failure arrives in the callback.
 * Calls are safe from any thread. This facade holds no state: it only adapts core operations.
 */
public final class Callbacks {
    private final WeftRuntime runtime;
    private final Loop fixedLoop;

    private Callbacks(WeftRuntime runtime, Loop fixedLoop) {
        this.runtime = runtime;
        this.fixedLoop = fixedLoop;
    }

    /** Callback-style operations on {@code runtime}. */
    public static Callbacks of(WeftRuntime runtime) {
        return new Callbacks(Checks.notNull(runtime, "runtime"), null);
    }

    /** The same operations, always started on {@code loop}. */
    public Callbacks on(Loop loop) {
        Checks.notNull(loop, "loop");
        if (loop.runtime() != runtime) {
            throw new IllegalArgumentException("loop: " + loop + " (expected: a loop of " + runtime + ")");
        }
        return new Callbacks(runtime, loop);
    }

    /** The runtime these operations run on. */
    public WeftRuntime runtime() {
        return runtime;
    }

    private Loop loop() {
        return fixedLoop != null ? fixedLoop : runtime.loop();
    }

    /** Calls back with {@code null} after {@code delay}; cancelling stops the timer. */
    public Cancellable delay(Duration delay, Callback<? super Void> callback) {
        return loop().delay(delay, Checks.notNull(callback, "callback"));
    }

    /** Runs {@code task} on the loop after {@code delay} and calls back with its result. */
    public <T> Cancellable schedule(Duration delay, Callable<? extends T> task, Callback<? super T> callback) {
        return loop().schedule(delay, Checks.notNull(task, "task"), Checks.notNull(callback, "callback"));
    }

    /** Runs {@code task} on the loop on a later turn and calls back with its result. */
    public <T> Cancellable submit(Callable<? extends T> task, Callback<? super T> callback) {
        return loop().submit(task, Checks.notNull(callback, "callback"));
    }

    /** Runs {@code task} on the loop's next iteration (after it polled I/O) and calls back with its result. */
    public <T> Cancellable tick(Callable<? extends T> task, Callback<? super T> callback) {
        return loop().tick(task, Checks.notNull(callback, "callback"));
    }

    /**
     * Runs blocking {@code task} on the worker pool and calls back on the loop. A full pool calls
     * back with {@link dev.weft.core.WorkerPoolFullException}; cancelling interrupts the task.
     */
    public <T> Cancellable offload(Callable<? extends T> task, Callback<? super T> callback) {
        return loop().offload(task, Checks.notNull(callback, "callback"));
    }

    /** Calls back when {@code op} completes (the op's one listener becomes this callback). */
    public <T> Cancellable await(Op<T> op, Callback<? super T> callback) {
        Checks.notNull(op, "op").onComplete(Checks.notNull(callback, "callback"));
        return op;
    }

    /** Calls back with every value in input order, or with the first failure (cancelling the rest). */
    public <T> Cancellable all(List<? extends AsyncStep<? extends T>> steps, Callback<? super List<T>> callback) {
        Loop loop = loop();
        return Ops.all(loop, start(loop, steps), Checks.notNull(callback, "callback"));
    }

    /**
     * Calls back with the first value (cancelling the rest), or with
     * {@link dev.weft.core.AllFailedException} once all failed or when there are none.
     */
    public <T> Cancellable any(List<? extends AsyncStep<? extends T>> steps, Callback<? super T> callback) {
        Loop loop = loop();
        return Ops.any(loop, start(loop, steps), Checks.notNull(callback, "callback"));
    }

    /**
     * Calls back with the first outcome, value or failure, and cancels the rest.
     *
     * @throws IllegalArgumentException for an empty list
     */
    public <T> Cancellable race(List<? extends AsyncStep<? extends T>> steps, Callback<? super T> callback) {
        Checks.noNulls(steps, "steps");
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("steps: [] (expected: at least one operation to race)");
        }
        Loop loop = loop();
        return Ops.race(loop, start(loop, steps), Checks.notNull(callback, "callback"));
    }

    /**
     * Calls back like {@code step} if it completes within {@code timeout}; otherwise cancels it and
     * calls back with {@link dev.weft.core.OperationTimeoutException}.
     */
    public <T> Cancellable timeout(Duration timeout, AsyncStep<? extends T> step, Callback<? super T> callback) {
        Checks.notNegative(timeout, "timeout");
        Loop loop = loop();
        return Ops.timeout(loop, bridge(loop, Checks.notNull(step, "step")), timeout, Checks.notNull(callback, "callback"));
    }

    /** Starts each step with a promise as its callback, so core can combine them. */
    private static <T> List<Op<T>> start(Loop loop, List<? extends AsyncStep<? extends T>> steps) {
        Checks.noNulls(steps, "steps");
        List<Op<T>> ops = new ArrayList<>(steps.size());
        for (AsyncStep<? extends T> s : steps) {
            ops.add(bridge(loop, s));
        }
        return ops;
    }

    private static <T> Op<T> bridge(Loop loop, AsyncStep<? extends T> step) {
        Promise<T> p = loop.promise(null);
        Cancellable handle = step.start((v, e) -> {
            if (e == null) {
                p.succeed(v);
            } else {
                p.failWith(e);
            }
        });
        if (handle != null) {
            p.whenCancelled(handle::cancel);
        }
        return p;
    }
}
