package dev.weft.futures;

import dev.weft.core.IllegalBlockingCallException;
import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.OpListener;
import dev.weft.core.internal.Contexts;
import dev.weft.core.internal.Disposal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link CompletableFuture} bound to a Weft loop and, usually, to the operation behind it.
 *
 * <ul>
 *   <li>It is completed on the loop thread, so non-async dependents ({@code thenApply},
 *       {@code thenCompose}, ...) run on the loop; the {@code ...Async} variants without an executor
 *       also run on the loop (its {@link #defaultExecutor()}), never on the common pool.</li>
 *   <li>{@link #cancel(boolean)} cancels the operation underneath (a timer stops, an offload is
 *       interrupted), and this future completes cancelled right away, as {@code CompletableFuture}
 *       promises; its dependents then run on the cancelling thread.</li>
 *   <li>{@link #join()} and {@link #get()} on a loop's own thread while not done throw
 *       {@link IllegalBlockingCallException} instead of deadlocking the loop. In a coroutine (a
 *       virtual thread, loop-carried or not) they park it like any blocking call: its carrier,
 *       the loop thread for a loop-affine coroutine, goes on with other work meanwhile.</li>
 * </ul>
 *
 * @param <T> the value type
 */
public class WeftFuture<T> extends CompletableFuture<T> implements OpListener<T> {
    private final Loop loop;
    /** The operation behind this future; set once before the future is published. */
    private Op<?> op;

    /**
     * Whether the value was made for this future alone (a connect's connection, a bind's server, a
     * combinator's result): then one that reaches it after a cancel is closed, not only released.
     */
    private final boolean ownsValue;

    WeftFuture(Loop loop) {
        this(loop, false);
    }

    WeftFuture(Loop loop, boolean ownsValue) {
        this.loop = loop;
        this.ownsValue = ownsValue;
    }

    void bind(Op<?> op) {
        this.op = op;
    }

    /** The loop this future completes on. */
    public Loop loop() {
        return loop;
    }

    /** Core's completion: completes this future, on the loop thread. */
    @Override
    public void onComplete(T value, Throwable failure) {
        if (failure == null) {
            if (!complete(value)) { // cancelled meanwhile: nobody will receive the value
                if (ownsValue) {
                    Disposal.dispose(value);
                } else {
                    Disposal.release(value);
                }
            }
        } else {
            completeExceptionally(failure);
        }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        Op<?> o = op;
        if (o != null) {
            o.cancel();
        }
        return super.cancel(mayInterruptIfRunning);
    }

    /**
     * The loop, carrying the context current where a task is handed to it: an {@code ...Async}
     * dependent without an executor runs on the loop with the context of the operation it depends on
     * (see {@link dev.weft.core.WeftContext}).
     */
    @Override
    public Executor defaultExecutor() {
        return new InContextOf(loop);
    }

    /** Hands a task to the loop with the context of the thread that hands it (nothing extra when none). */
    private record InContextOf(Loop loop) implements Executor {
        @Override
        public void execute(Runnable task) {
            loop.execute(Contexts.wrap(task));
        }
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new WeftFuture<>(loop);
    }

    @Override
    public T join() {
        checkNotOnLoop("WeftFuture.join()");
        return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        checkNotOnLoop("WeftFuture.get()");
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        checkNotOnLoop("WeftFuture.get(timeout)");
        return super.get(timeout, unit);
    }

    /**
     * Refuses to block a loop's own platform thread. A virtual thread that a loop carries
     * ({@code isLoopThread()} counts it) parks instead and frees its carrier: let it wait.
     */
    private void checkNotOnLoop(String what) {
        if (!isDone() && !Thread.currentThread().isVirtual() && loop.runtime().isLoopThread()) {
            throw new IllegalBlockingCallException(what);
        }
    }
}
