package dev.weft.core;

/**
 * An operation completed by whoever holds it: the bridge from any other source of completion
 * (a foreign future, a callback API, another thread) into Weft. Create one with
 * {@link Loop#promise(OpListener)}; it is tracked, so {@link WeftRuntime#close()} fails it with
 * {@link RuntimeClosedException} if it is still pending then.
 *
 * <p>{@link #succeed}, {@link #failWith} and {@link #cancel} may be called from any thread; the
 * first wins.
 *
 * @param <T> the value type
 */
public class Promise<T> extends Op<T> {
    private volatile Runnable canceller;
    private volatile boolean released;

    protected Promise(Loop loop, OpListener<? super T> listener) {
        super(loop, listener);
    }

    /**
     * Completes with a value; {@code false} if it had already completed (cancelled, failed at close):
     * then a reference-counted value is released, since it was handed over and nobody will receive it.
     */
    public final boolean succeed(T value) {
        return complete(value);
    }

    /** Completes with a failure; {@code false} if it had already completed. */
    public final boolean failWith(Throwable failure) {
        return fail(failure);
    }

    /**
     * What to run when this promise is cancelled or aborted by close (for example: cancel the foreign
     * operation it stands for). Runs once, on the cancelling thread; must be thread-safe and must not
     * block. If the promise was already cancelled, runs right away on the calling thread. If it
     * throws when a cancel runs it, the exception is logged (WARN) and the cancel stands.
     */
    public final void whenCancelled(Runnable action) {
        canceller = java.util.Objects.requireNonNull(action, "action");
        if (released) {
            runCanceller();
        }
    }

    @Override
    protected void onCancel() {
        released = true;
        runCanceller();
    }

    private void runCanceller() {
        Runnable r = (Runnable) CANCELLER.getAndSet(this, null);
        if (r != null) {
            r.run();
        }
    }

    private static final java.lang.invoke.VarHandle CANCELLER;

    static {
        try {
            CANCELLER = java.lang.invoke.MethodHandles.lookup().findVarHandle(Promise.class, "canceller", Runnable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
