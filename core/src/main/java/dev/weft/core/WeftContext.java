package dev.weft.core;

import dev.weft.core.internal.Checks;
import dev.weft.core.internal.Contexts;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * A small immutable map of typed values that travels with an asynchronous call: whatever context is
 * current when an operation starts (in any style) is current again in every continuation of it, on
 * whichever thread that runs: the callback, a dependent stage Weft runs, the task of a
 * {@code submit}/{@code schedule}/{@code tick}, an offloaded task on a worker thread, a timer's tick,
 * a coroutine's body, and the handlers of a TCP server (which see the context of the {@code serve}
 * call). SLF4J's MDC, and every other {@code ThreadLocalAccessor} registered with Micrometer's
 * {@code ContextRegistry} (observations, Reactor's, yours), travel the same way.
 *
 * <pre>{@code
 * static final WeftContext.Key<String> REQUEST = WeftContext.key("request");
 *
 * WeftContext.current().with(REQUEST, "r-42").run(() ->
 *     cb.offload(() -> load(), (v, err) ->               // load() and the callback see r-42
 *         log.info("{} loaded", WeftContext.current().get(REQUEST))));
 * }</pre>
 *
 * <p>What carries it: every operation (it captures the context of the thread that starts it), a
 * coroutine (its body runs with the context of its launch, and keeps it across suspensions: it lives in
 * the virtual thread's own thread-locals), a TCP server (each handler call runs with the context of the
 * {@code serve} call; what the handler sets for itself reaches what it starts). What does not: a raw
 * {@link Loop#execute(Runnable)}, which is a plain executor (use {@code submit}); a dependent stage
 * runs with the context of the operation it depends on, not that of the thread that attached it.
 * Nothing is captured when nothing is set, and {@code -Dweft.context.propagation=false} turns
 * propagation off.
 *
 * <p>A context is made current only for the extent of {@link #run}, {@link #call} or a
 * {@link #makeCurrent()} scope, and the previous one is restored afterwards: a loop thread never
 * carries one call's context into another's. Instances are immutable and safe to share; every method
 * may be called from any thread.
 */
public final class WeftContext {

    /*
     * Representation: a flat array key0, value0, key1, value1, ...; lookups are linear (a context
     * holds a handful of values), `with` copies. The current context of a thread lives in
     * Contexts' thread-local, null meaning EMPTY, so that a thread that never used it costs nothing.
     */

    private static final WeftContext EMPTY = new WeftContext(new Object[0]);

    private final Object[] entries;

    private WeftContext(Object[] entries) {
        this.entries = entries;
    }

    /**
     * A key for values of type {@code T}. Keys compare by identity: keep each in a constant.
     *
     * @param <T> the type of the values stored under this key
     */
    public static final class Key<T> {
        private final String name;

        private Key(String name) {
            this.name = name;
        }

        /** The name given at creation (for diagnostics only: two keys of the same name are distinct). */
        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return "Key[" + name + "]";
        }
    }

    /**
     * A new key, distinct from every other.
     *
     * @param name a name for diagnostics
     * @throws NullPointerException if {@code name} is null
     */
    public static <T> Key<T> key(String name) {
        return new Key<>(Checks.notNull(name, "name"));
    }

    /** The context holding no value. */
    public static WeftContext empty() {
        return EMPTY;
    }

    /** The calling thread's current context; {@link #empty()} if none is set. Never null. */
    public static WeftContext current() {
        WeftContext c = Contexts.currentWeft();
        return c == null ? EMPTY : c;
    }

    /** The value stored under {@code key}, or {@code null}. */
    @SuppressWarnings("unchecked")
    public <T> T get(Key<T> key) {
        Object[] e = entries;
        for (int i = 0; i < e.length; i += 2) {
            if (e[i] == key) {
                return (T) e[i + 1];
            }
        }
        return null;
    }

    /**
     * A context with the values of this one and {@code value} under {@code key} (replacing the value
     * stored there); a {@code null} value removes the key. This context is unchanged.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public <T> WeftContext with(Key<T> key, T value) {
        Checks.notNull(key, "key");
        Object[] e = entries;
        for (int i = 0; i < e.length; i += 2) {
            if (e[i] == key) {
                if (value == null) {
                    Object[] n = new Object[e.length - 2];
                    System.arraycopy(e, 0, n, 0, i);
                    System.arraycopy(e, i + 2, n, i, e.length - i - 2);
                    return n.length == 0 ? EMPTY : new WeftContext(n);
                }
                Object[] n = e.clone();
                n[i + 1] = value;
                return new WeftContext(n);
            }
        }
        if (value == null) {
            return this;
        }
        Object[] n = Arrays.copyOf(e, e.length + 2);
        n[e.length] = key;
        n[e.length + 1] = value;
        return new WeftContext(n);
    }

    /** Whether this context holds no value. */
    public boolean isEmpty() {
        return entries.length == 0;
    }

    /**
     * Runs {@code action} on the calling thread with this context current, then restores the one that
     * was current before (also when {@code action} throws). Every operation {@code action} starts carries
     * this context into its continuations.
     */
    public void run(Runnable action) {
        Checks.notNull(action, "action");
        try (Scope ignored = makeCurrent()) {
            action.run();
        }
    }

    /**
     * {@link #run} for a computation with a result.
     *
     * @throws Exception what {@code action} throws
     */
    public <V> V call(Callable<V> action) throws Exception {
        Checks.notNull(action, "action");
        try (Scope ignored = makeCurrent()) {
            return action.call();
        }
    }

    /**
     * Makes this context current on the calling thread until the returned scope is closed, which
     * restores the previous one. For code that cannot be a lambda (a coroutine body that sets a
     * context for the rest of a block):
     *
     * <pre>{@code
     * try (WeftContext.Scope s = WeftContext.current().with(USER, user).makeCurrent()) {
     *     co.request(conn, payload);   // the handler of its reply and what it starts see USER
     * }
     * }</pre>
     *
     * Close it on the same thread, in the reverse order of opening (a coroutine stays on its own
     * virtual thread across suspensions, so a scope may span them).
     */
    public Scope makeCurrent() {
        WeftContext previous = Contexts.currentWeft();
        Contexts.setWeft(entries.length == 0 ? null : this);
        return new Scope(previous);
    }

    /** The extent of a {@link #makeCurrent()}: closing it restores the context that was current before. */
    public static final class Scope implements AutoCloseable {
        private final WeftContext previous;
        private boolean closed;

        private Scope(WeftContext previous) {
            this.previous = previous;
        }

        /** Restores the context that was current when the scope was opened. Idempotent. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                Contexts.setWeft(previous);
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("WeftContext{");
        for (int i = 0; i < entries.length; i += 2) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(((Key<?>) entries[i]).name).append('=').append(entries[i + 1]);
        }
        return b.append('}').toString();
    }
}
