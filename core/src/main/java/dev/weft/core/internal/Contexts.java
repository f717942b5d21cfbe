package dev.weft.core.internal;

import dev.weft.core.WeftContext;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.ThreadLocalAccessor;
import java.util.List;

/**
 * Capture and restore of the caller's context across Weft's thread hops: {@link WeftContext}, SLF4J's
 * MDC and every other {@link ThreadLocalAccessor} registered with Micrometer's
 * {@link ContextRegistry#getInstance() global registry}. Core captures when an operation starts and
 * restores around its continuations; facades use it for what they schedule themselves. Not API.
 *
 * <p>The cost model (measured in {@code ContextHopBenchmark}): a capture asks every registered accessor
 * for its value (a thread-local read each; Weft's own is read first) and, when all are empty, returns
 * {@code null} without allocating; a restore of {@code null} does nothing. Only when something is set
 * does it cost more: when Weft's own context is the only value, the context itself is the capture (no
 * allocation) and a restore is two thread-local writes; anything else (an MDC entry, an observation)
 * takes a full {@link ContextSnapshot} (a copy of the MDC, a map, a scope per restore).
 */
public final class Contexts {

    /**
     * Tunable: {@code false} turns context propagation off (nothing is captured, every continuation
     * runs with the context its thread happens to have). Default {@code true}.
     */
    public static final String PROPAGATION_PROPERTY = "weft.context.propagation";
    /**
     * Tunable: {@code false} stops Weft from registering its whole-MDC accessor with the global
     * registry (register context-propagation's {@code Slf4jThreadLocalAccessor} with the keys you want
     * carried instead). Default {@code true}; an accessor already registered under its key is kept.
     */
    public static final String MDC_PROPERTY = "weft.context.mdc";

    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty(PROPAGATION_PROPERTY));

    /** The current WeftContext of each thread; null means empty (a thread that never used it pays nothing). */
    private static final ThreadLocal<WeftContext> WEFT = new ThreadLocal<>();

    private static final ContextRegistry REGISTRY = ContextRegistry.getInstance();
    /** The registry's read-only view of its accessors (a live view: later registrations show). */
    private static final List<ThreadLocalAccessor<?>> ACCESSORS = REGISTRY.getThreadLocalAccessors();
    /** Restores clear what a snapshot does not hold: a continuation sees its call's context and nothing else. */
    private static final ContextSnapshotFactory SNAPSHOTS =
            ContextSnapshotFactory.builder().contextRegistry(REGISTRY).clearMissing(true).build();
    /** A snapshot holding nothing: setting it clears every registered thread-local (and restores them on close). */
    private static final ContextSnapshot NOTHING = SNAPSHOTS.captureFrom();
    /**
     * Whether any thread has ever made a WeftContext current: until then a capture skips Weft's own
     * thread-local. Set once, never reset (a volatile read is a plain load on x86).
     */
    private static volatile boolean weftUsed;
    /** A token of {@link #enter} that says "no WeftContext was current before". */
    private static final Object NO_WEFT = new Object();

    static {
        if (REGISTRY.getThreadLocalAccessors().stream().noneMatch(a -> WeftContextAccessor.KEY.equals(a.key()))) {
            REGISTRY.registerThreadLocalAccessor(new WeftContextAccessor()); // ServiceLoader did not find it
        }
        if (!"false".equalsIgnoreCase(System.getProperty(MDC_PROPERTY))
                && REGISTRY.getThreadLocalAccessors().stream().noneMatch(a -> MdcAccessor.KEY.equals(a.key()))) {
            REGISTRY.registerThreadLocalAccessor(new MdcAccessor());
        }
    }

    private Contexts() {}

    /**
     * Marks an {@code OpListener} that observes no context: a Weft listener that runs no user code
     * (it only wakes a waiting thread). An operation whose listener, given at construction, is one
     * and which runs no task of its own captures nothing: its context would never be current where
     * anything could see it. Not for user listeners.
     */
    public interface ContextFree {}

    /** The calling thread's WeftContext, or null if none (for {@link WeftContext}). */
    public static WeftContext currentWeft() {
        return WEFT.get();
    }

    /** Sets the calling thread's WeftContext; null clears it (for {@link WeftContext}). */
    public static void setWeft(WeftContext c) {
        if (c != null && !weftUsed) {
            weftUsed = true;
        }
        WEFT.set(c);
    }

    /**
     * The calling thread's context, to hand to {@link #enter} on another thread or later: {@code null}
     * when nothing is set (no allocation), the {@link WeftContext} itself when it is the only value, else a
     * {@link ContextSnapshot} of every registered accessor.
     */
    public static Object capture() {
        if (!ENABLED) {
            return null;
        }
        WeftContext w = weftUsed ? WEFT.get() : null;
        List<ThreadLocalAccessor<?>> all = ACCESSORS;
        for (int i = 0, n = all.size(); i < n; i++) {
            ThreadLocalAccessor<?> a = all.get(i);
            if (!(a instanceof WeftContextAccessor) && a.getValue() != null) {
                return SNAPSHOTS.captureAll();
            }
        }
        return w;
    }

    /**
     * Makes {@code captured} (a result of {@link #capture}) current on the calling thread and returns
     * the token that {@link #exit} needs to restore what was there. {@code null} clears every registered
     * thread-local. With {@code exclusive}, a WeftContext-only capture also clears the other accessors
     * (the thread may hold another call's MDC: a delivery nested in another continuation); without it,
     * only Weft's own thread-local is touched (the thread is known to be clean).
     */
    public static Object enter(Object captured, boolean exclusive) {
        if (captured instanceof WeftContext w) {
            if (!exclusive) {
                WeftContext previous = WEFT.get();
                setWeft(w);
                return previous == null ? NO_WEFT : previous;
            }
            ContextSnapshot.Scope cleared = NOTHING.setThreadLocals();
            setWeft(w);
            return cleared; // closing it restores Weft's thread-local too
        }
        if (captured == null) {
            return NOTHING.setThreadLocals();
        }
        return ((ContextSnapshot) captured).setThreadLocals();
    }

    /** Restores what {@link #enter} replaced. On the thread that entered, in reverse order of entering. */
    public static void exit(Object token) {
        if (token instanceof ContextSnapshot.Scope s) {
            s.close();
        } else {
            WEFT.set(token == NO_WEFT ? null : (WeftContext) token);
        }
    }

    /**
     * {@code task}, made to run with the calling thread's context: {@code task} itself when nothing is
     * set (no allocation), else a wrapper. For work a facade hands to an executor itself.
     */
    public static Runnable wrap(Runnable task) {
        Object c = capture();
        return c == null ? task : new InContext(c, task);
    }

    /**
     * Clears every registered thread-local on the calling thread, for good: a thread Weft starts
     * must not keep the context of the thread that happened to create it (an {@code InheritableThreadLocal}
     * MDC, as slf4j-api's {@code BasicMDCAdapter} keeps it, is copied into every new thread).
     */
    public static void clearThread() {
        if (!ENABLED) {
            return;
        }
        for (int i = 0, n = ACCESSORS.size(); i < n; i++) {
            ThreadLocalAccessor<?> a = ACCESSORS.get(i);
            if (a.getValue() != null) {
                a.setValue();
            }
        }
        WEFT.remove();
    }

    private record InContext(Object context, Runnable task) implements Runnable {
        @Override
        public void run() {
            Object token = enter(context, true);
            try {
                task.run();
            } finally {
                exit(token);
            }
        }
    }
}
