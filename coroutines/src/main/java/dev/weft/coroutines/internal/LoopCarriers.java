package dev.weft.coroutines.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads whose scheduler is an {@link Executor} of our choosing: the one JDK seam that lets
 * an event loop carry coroutines on a released JDK. Not API.
 *
 * <pre>
 * Overview (maintainers)
 *
 * What it relies on: the package-private constructor
 * java.lang.ThreadBuilders$VirtualThreadBuilder(Executor), present from JDK 21 through 25 (it
 * exists for the JDK's own tests). It is looked up once, here, as a MethodHandle through
 * MethodHandles.privateLookupIn, which needs java.base/java.lang opened to us:
 * --add-opens java.base/java.lang=ALL-UNNAMED on the command line, or "Add-Opens: java.base/java.lang"
 * in an executable jar's manifest. The JDK then calls executor.execute(continuation) for every start,
 * unpark and yield of such a thread; the continuation must run on a platform thread, and Weft's
 * Loop.execute() runs it on the loop thread, between other loop tasks.
 *
 * Where a loop-carried step's time goes (JFR execution samples, scenario at io=tick, N=10k, K=100,
 * Temurin 25, 2 cores; roughly 240-350 ns a step against 25-30 ns for a callback step): about half is
 * the JDK's own park/unpark (VirtualThread.park/unmount, runContinuation/mount, the state CASes,
 * the scoped-value cache swap); the rest is allocation of the step's op and lambda (fresh memory,
 * cache misses), Loop.tick, and small Weft costs that were cut after profiling: one thread-local
 * lookup per suspending call (the binding serves both the facade and Loop.isCarrierThread), no
 * second CAS to deliver to a listener known up front, completions made on the carrier settle in
 * place instead of through a loop task, unnamed virtual threads. The floor measured on a bare
 * ArrayDeque executor (SCENARIO.md) is 170-195 ns; what remains above it is the op itself and
 * memory traffic over 10k coroutine stacks.
 *
 * Tested on: Temurin 25 (the machine this project is built on); the constructor's shape is the same
 * in OpenJDK 21. What happens on a JDK that removes or changes it: the lookup fails, available() is
 * false with the reason in unavailableReason(), and the facade falls back to the DEFAULT scheduler
 * with one WARN line, a tag on its metrics and CoroutineScheduler accessors that say so. Nothing else
 * in Weft depends on this class.
 * </pre>
 */
public final class LoopCarriers {
    private static final MethodHandle BUILDER;
    private static final String UNAVAILABLE;
    /** Thread.currentCarrierThread(), package-private in java.lang; null without the opening. */
    private static final MethodHandle CURRENT_CARRIER;

    static {
        MethodHandle mh = null;
        String why = null;
        try {
            Class<?> c = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(c, MethodHandles.lookup());
            mh = l.findConstructor(c, MethodType.methodType(void.class, Executor.class))
                    .asType(MethodType.methodType(Thread.Builder.OfVirtual.class, Executor.class));
        } catch (IllegalAccessException | RuntimeException e) {
            why = "java.base/java.lang is not opened to Weft (" + e.getClass().getSimpleName()
                    + "); start the JVM with --add-opens java.base/java.lang=ALL-UNNAMED";
        } catch (ReflectiveOperationException | LinkageError e) {
            why = "this JDK (" + Runtime.version() + ") has no ThreadBuilders$VirtualThreadBuilder(Executor): " + e;
        }
        BUILDER = mh;
        UNAVAILABLE = why;
        MethodHandle cc = null;
        try {
            cc = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup())
                    .findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not opened, or not this JDK: currentCarrier() answers null
        }
        CURRENT_CARRIER = cc;
    }

    /**
     * The platform thread carrying the current thread (itself for a platform thread), or {@code null}
     * when java.lang is not opened to us. Used to count resumes on and off the loop truthfully.
     */
    public static Thread currentCarrier() {
        if (CURRENT_CARRIER == null) {
            return null;
        }
        try {
            return (Thread) CURRENT_CARRIER.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private LoopCarriers() {}

    /** Whether loop-carried virtual threads can be made in this JVM. */
    public static boolean available() {
        return BUILDER != null;
    }

    /** Why they cannot, or {@code null}. */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    /** A factory of virtual threads scheduled by {@code carrier}. */
    public static ThreadFactory factory(Executor carrier) {
        if (BUILDER == null) {
            throw new UnsupportedOperationException(UNAVAILABLE);
        }
        try {
            Thread.Builder.OfVirtual b = (Thread.Builder.OfVirtual) BUILDER.invokeExact(carrier);
            return b.factory();
        } catch (Throwable t) {
            throw new IllegalStateException("could not create a loop-carried virtual thread builder", t);
        }
    }
}
