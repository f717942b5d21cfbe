package dev.weft.coroutines;

import dev.weft.core.Op;
import dev.weft.core.OpListener;
import dev.weft.core.internal.Contexts;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread outside any coroutine blocked in a suspending call: the operation's listener, and the
 * wait. One per call, made on the waiting thread and touched by it and the loop that tells it.
 */
final class ThreadWaiter implements OpListener<Object>, Contexts.ContextFree {
    private final Thread thread;

    ThreadWaiter(Thread thread) {
        this.thread = thread;
    }

    @Override
    public void onComplete(Object value, Throwable failure) {
        LockSupport.unpark(thread);
    }

    /**
     * Blocks until {@code op} completes; returns its value or throws its failure. An interrupt cancels
     * {@code op} (the wait then ends with its cancellation) and stays set for the caller.
     */
    <T> T await(Op<T> op) {
        boolean interrupted = false;
        while (!op.isDone()) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                interrupted = true;
                op.cancel();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return op.getOrThrow();
    }
}
