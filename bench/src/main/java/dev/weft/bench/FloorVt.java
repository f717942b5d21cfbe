package dev.weft.bench;

import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import dev.weft.core.internal.HandleSpacers;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code floor-vt}: the JDK's cost of one suspend/resume of a virtual thread, with no Weft code, as the
 * yardstick for {@code coroutines-loop}. Each task is a virtual thread carried by a bare
 * single-thread executor (one per loop index); each of its K steps hands a task to its carrier and
 * parks; that task computes the step's value and unparks it. Per step: one queue offer, one park
 * (yield of the continuation, unmount), one unpark (a CAS and the continuation's submission), one
 * mount. It does the same task/step shape as the styles and ignores {@code --io}: it is the
 * suspend/resume alone, so the same number is the floor in a tick and in a tcp run.
 *
 * <p>Why each choice (lean, but doing what a loop-carried coroutine must do):
 * <ul>
 *   <li>The carrier is installed the way Weft's loop-affine scheduler installs its loop: the JDK's
 *       package-private {@code ThreadBuilders.VirtualThreadBuilder(Executor)}, through
 *       {@code privateLookupIn} (needs java.base/java.lang opened, as the bench jar's manifest does).
 *       No other reflection.</li>
 *   <li>The carrier is a plain platform thread over an {@link ArrayDeque}, not a
 *       {@code ThreadPoolExecutor}: every submission of a step is made on the carrier itself, so it
 *       needs no lock, no CAS and no node allocation (a {@code LinkedBlockingQueue} would cost all
 *       three and be measured as the JDK's). Only what comes from another thread (the harness's
 *       start and quiesce tasks, once per repetition) goes through a concurrent queue and an unpark.</li>
 *   <li>The step task is the task object itself, reused for each step: no allocation per step (Weft
 *       allocates its op per step; that is Weft's cost, not the floor's).</li>
 *   <li>The virtual threads are created and started on their carrier, unnamed, with the builder's
 *       defaults: the JDK's own per-thread costs (thread container registration,
 *       {@code jdk.trackAllThreads}) stay in the floor, as they are in every virtual thread's life.</li>
 *   <li>With more than one carrier, idle threads are started between them, as Weft starts them
 *       between its loops ({@link HandleSpacers}): the JVM keeps per-thread handles, written on every
 *       mount and unmount, in a shared table in start order, and two carriers started back to back
 *       would write one cache line from two cores. Without them two carriers took about three times
 *       the CPU of one for the same work (bench/results/2026-11-30/loops-false-sharing.txt): that
 *       is a placement accident, not the JDK's cost of a suspend/resume.</li>
 *   <li>No exception handling on the carrier: nothing it runs throws (a continuation never does, a
 *       step only computes); if something did, the carrier would end and the repetition would be
 *       reported as not finished.</li>
 * </ul>
 */
final class FloorVt extends Workload {
    /** {@code new ThreadBuilders.VirtualThreadBuilder(Executor)}, or null (then {@link #UNAVAILABLE} says why). */
    private static final MethodHandle BUILDER;
    private static final String UNAVAILABLE;

    static {
        MethodHandle mh = null;
        String why = null;
        try {
            Class<?> c = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            mh = MethodHandles.privateLookupIn(c, MethodHandles.lookup())
                    .findConstructor(c, MethodType.methodType(void.class, Executor.class))
                    .asType(MethodType.methodType(Thread.Builder.OfVirtual.class, Executor.class));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            why = "no virtual thread builder with a custom scheduler in this JVM (--add-opens"
                    + " java.base/java.lang=ALL-UNNAMED missing, or not JDK 21-25): " + e;
        }
        BUILDER = mh;
        UNAVAILABLE = why;
    }

    /** One carrier (and its virtual thread factory) per loop index, so that --loops scales the floor too. */
    private final Carrier[] carriers;
    private final ThreadFactory[] factories;
    /** Idle threads between the carriers, as Weft starts between its loops (see the class comment). */
    private final HandleSpacers spacers;

    FloorVt(WeftRuntime rt, ScenarioOptions o) {
        super(rt, o);
        int n = rt.loops().size();
        carriers = new Carrier[BUILDER == null ? 0 : n];
        factories = new ThreadFactory[carriers.length];
        spacers = HandleSpacers.between(carriers.length);
        for (int i = 0; i < carriers.length; i++) {
            spacers.beforeThread(i, "floor-vt-spacer");
            carriers[i] = new Carrier("floor-vt-carrier-" + i);
            try {
                factories[i] = ((Thread.Builder.OfVirtual) BUILDER.invokeExact((Executor) carriers[i])).factory();
            } catch (Throwable t) {
                throw new IllegalStateException("could not make a virtual thread builder for the floor", t);
            }
        }
    }

    @Override
    String unavailable() {
        return UNAVAILABLE;
    }

    /** The harness's per-repetition starter runs on our carrier, not on Weft's loop. */
    @Override
    void post(Loop loop, Runnable starter) {
        carriers[loop.index()].execute(starter);
    }

    /** Called on the carrier of {@code loop}'s index (see {@link #post}). */
    @Override
    void start(Loop loop, int id, Sink sink) {
        int i = loop.index();
        Task t = new Task(carriers[i], id, k, workIters, sink);
        Thread vt = factories[i].newThread(t::body);
        t.thread = vt;
        vt.start(); // the JDK submits its first continuation to the carrier: an ArrayDeque offer
    }

    /** Every virtual thread has ended once its carrier has run a task posted after the last sink call. */
    @Override
    void quiesce() {
        for (Carrier c : carriers) {
            CompletableFuture<Void> turned = new CompletableFuture<>();
            c.execute(() -> turned.complete(null));
            turned.join();
        }
    }

    @Override
    public void close() {
        for (Carrier c : carriers) {
            c.stop();
        }
        spacers.release();
        for (Thread t : spacers.threads()) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        super.close();
    }

    /** One task: its virtual thread's body, and (as a Runnable) the step it hands to the carrier. */
    private static final class Task implements Runnable {
        private final Carrier carrier;
        private final int id;
        private final int k;
        private final long workIters;
        private final Sink sink;
        Thread thread;
        private int step;
        /**
         * The step's value and whether it is there: written by the step on the carrier thread before
         * its unpark, read by the virtual thread after its park returns. Plain fields: the JDK's
         * unpark publishes them (a volatile write of the park permit / state that park reads).
         */
        private int value;
        private boolean ready;

        Task(Carrier carrier, int id, int k, long workIters, Sink sink) {
            this.carrier = carrier;
            this.id = id;
            this.k = k;
            this.workIters = workIters;
            this.sink = sink;
        }

        /** The virtual thread's body: K suspend/resume cycles. */
        void body() {
            long sum = 0;
            for (int s = 0; s < k; s++) {
                step = s;
                ready = false;
                carrier.offerFromCarrier(this);
                do { // park may return spuriously: wait for the step
                    LockSupport.park();
                } while (!ready);
                sum += value;
            }
            sink.done(sum);
        }

        /** The step, on the carrier thread: the value, then the unpark that resumes the body. */
        @Override
        public void run() {
            value = Steps.compute(id, step, workIters);
            ready = true;
            LockSupport.unpark(thread);
        }
    }

    /** A bare single-thread executor: a platform thread running an ArrayDeque, plus a queue for other threads. */
    private static final class Carrier implements Executor, Runnable {
        /** Carrier-thread only (the carrier itself, or a virtual thread it carries). */
        private final ArrayDeque<Runnable> local = new ArrayDeque<>(1 << 14);
        /** From any other thread; the carrier is unparked after each offer. */
        private final ConcurrentLinkedQueue<Runnable> remote = new ConcurrentLinkedQueue<>();
        private final Thread thread;
        private volatile boolean stopped;

        Carrier(String name) {
            thread = new Thread(this, name);
            thread.setDaemon(true);
            thread.start();
        }

        /**
         * Called by the JDK for a start or an unpark (and by the harness). On the carrier thread (the
         * step's unpark, a start made there) it is an ArrayDeque offer.
         */
        @Override
        public void execute(Runnable r) {
            if (Thread.currentThread() == thread) {
                local.addLast(r);
            } else {
                remote.add(r);
                LockSupport.unpark(thread);
            }
        }

        /**
         * For a virtual thread this carrier carries (its currentThread() is not the carrier, but it runs
         * on it by construction: only this carrier runs it).
         */
        void offerFromCarrier(Runnable r) {
            local.addLast(r);
        }

        @Override
        public void run() {
            while (!stopped) {
                Runnable r;
                while ((r = local.pollFirst()) != null) {
                    r.run();
                }
                if ((r = remote.poll()) != null) {
                    r.run();
                } else {
                    LockSupport.park(this); // an unpark from execute() that came first makes this return at once
                }
            }
        }

        void stop() {
            stopped = true;
            LockSupport.unpark(thread);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
