package dev.weft.core;

import dev.weft.core.internal.Checks;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One operation's outcome shared with any number of receivers: the single-flight pattern (one load,
 * many waiters) that an {@link Op}, with its one listener, does not offer by itself. The shared
 * becomes the source operation's one listener; each {@link #view()} is a new operation that
 * completes with the source's outcome, and is awaited the way each style awaits any operation:
 *
 * <pre>{@code
 * Shared<ByteBuf> user = Ops.share(loadUser(id));      // start once
 * cb.await(user.view(), (buf, err) -> { ...; buf.release(); });   // callbacks
 * fu.from(user.view()).thenAccept(buf -> { ...; buf.release(); }); // futures
 * ByteBuf buf = co.await(user.view()); ... buf.release();          // coroutines
 * }</pre>
 *
 * <p><b>Values and ownership.</b> A reference-counted value is owned by the shared (one reference)
 * until {@link #dispose()}; every view delivers its own reference, which its receiver must release: a
 * {@link ByteBuf} as a retained duplicate (its own reader and writer indexes over the same bytes),
 * any other reference-counted value retained. Views made after the source completed complete at once
 * (through their loop), which is what makes a shared a cache entry.
 *
 * <p><b>Cancellation.</b> Cancelling a view cancels only that view. {@link #cancel()} cancels the
 * source, and so every view still pending. {@link WeftRuntime#close()} fails pending views like any
 * pending operation.
 *
 * <p>Every method may be called from any thread. A view completes on the source's loop, and every
 * retain and the shared's own release happen there, one at a time: a view asked for while
 * {@link #dispose()} runs on another thread either gets its own reference or fails with
 * {@link IllegalStateException}, never a released buffer.
 *
 * @param <T> the value type
 */
public final class Shared<T> {
    /*
     * Overview (maintainers): `state` is either a stack of views still waiting (Node, or null for an
     * empty stack) or the source's outcome (Outcome). view() pushes with a CAS while the state is a
     * stack; the source's listener swaps the outcome in with one getAndSet and completes the stack it
     * took. No lock: the listener runs on the loop.
     */

    private record Outcome(Object value, Throwable failure) {}

    private record Node(View<?> view, Node next) {}

    private final Op<T> source;
    private volatile Object state;
    private volatile boolean disposed;
    private volatile boolean ownReleased;

    Shared(Op<T> source) {
        this.source = source;
        source.onComplete(this::sourceDone);
    }

    /**
     * A new operation that completes with the source's outcome (a reference-counted value as its own
     * reference, for its receiver to release).
     *
     * @throws IllegalStateException after {@link #dispose()}
     * @throws RuntimeClosedException if the runtime is closed
     */
    public Op<T> view() {
        if (disposed) {
            throw new IllegalStateException("this shared outcome was disposed of: no view can be made of it any more");
        }
        source.loop().runtime().ensureOpen();
        View<T> v = new View<>(source.loop());
        v.track();
        for (;;) {
            Object s = state;
            if (s instanceof Outcome o) {
                // On the loop, like every retain and the shared's own release: never a retain of a
                // value that a dispose() on another thread released meanwhile.
                source.loop().execute(() -> deliverUnlessReleased(v, o));
                return v;
            }
            if (STATE.compareAndSet(this, s, new Node(v, (Node) s))) {
                return v;
            }
        }
    }

    /** Whether the source has completed. */
    public boolean isDone() {
        return state instanceof Outcome;
    }

    /** Cancels the source, and with it every view still pending; {@code false} if it had completed. */
    public boolean cancel() {
        return source.cancel();
    }

    /**
     * Gives up the shared's own reference to a reference-counted value (views already delivered keep
     * theirs; the release happens on the source's loop, after every view already asked for); no view can
     * be made afterwards. Call it when the value leaves your cache. Idempotent.
     */
    public void dispose() {
        if (disposed) {
            return;
        }
        disposed = true;
        source.loop().execute(() -> {
            if (state instanceof Outcome o) {
                releaseOwn(o.value);
            } // else the source's completion, on the loop too, sees `disposed` and releases
        });
    }

    /** On the loop: a view of an outcome that is there already. */
    private void deliverUnlessReleased(View<T> v, Outcome o) {
        if (ownReleased) {
            v.failWith(new IllegalStateException("the shared outcome was disposed of before this view received it"));
        } else {
            deliver(v, o);
        }
    }

    /** Releases the shared's own reference, once, whichever of dispose() and the source's completion comes second. */
    private void releaseOwn(Object value) {
        if (value instanceof ReferenceCounted rc && OWN_RELEASED.compareAndSet(this, false, true)) {
            rc.release();
        }
    }

    /** On the source's loop. */
    private void sourceDone(T value, Throwable failure) {
        Outcome o = new Outcome(value, failure);
        Object waiting = STATE.getAndSet(this, o);
        for (Node n = (Node) waiting; n != null; n = n.next) {
            deliver(n.view, o);
        }
        if (disposed) {
            releaseOwn(value); // disposed of before the value came: nobody will make a view of it
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void deliver(View<T> v, Outcome o) {
        if (o.failure != null) {
            v.failWith(o.failure);
        } else {
            Object value = o.value;
            if (value instanceof ByteBuf b) {
                value = b.retainedDuplicate();
            } else if (value instanceof ReferenceCounted rc) {
                value = rc.retain();
            }
            v.succeed((T) value); // a view cancelled meanwhile disposes of its own reference
        }
    }

    /** A receiver's operation. */
    private static final class View<T> extends Op<T> {
        View(Loop loop) {
            super(loop, null);
        }

        void succeed(T value) {
            complete(value);
        }

        void failWith(Throwable failure) {
            fail(failure);
        }
    }

    @Override
    public String toString() {
        return "Shared[" + source + (disposed ? ", disposed]" : "]");
    }

    // VarHandle mechanics
    private static final VarHandle STATE;
    private static final VarHandle OWN_RELEASED;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Shared.class, "state", Object.class);
            OWN_RELEASED = MethodHandles.lookup().findVarHandle(Shared.class, "ownReleased", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static <T> Shared<T> of(Op<T> source) {
        Checks.notNull(source, "source");
        if (source.hasListener()) {
            throw new IllegalArgumentException("source: " + source + " already has its listener (expected: an operation"
                    + " nobody listens to yet; the shared becomes its one listener)");
        }
        return new Shared<>(source);
    }
}
