package dev.weft.core.internal;

import dev.weft.core.WeftRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Idle platform threads started between the loop threads of a runtime, so that the JVM's per-thread
 * handles of two loops do not share a cache line. Not API.
 *
 * <p>Why: HotSpot keeps four handles per platform thread (its {@code Thread} object, the thread it
 * currently runs as, a JVMTI slot and its scoped-value cache) in one table shared by all threads
 * ({@code JavaThread::thread_oop_storage()}), 8 bytes each, handed out in the order threads start.
 * Two threads started one after the other therefore usually have their handles in one 64-byte line.
 * Every mount and unmount of a virtual thread writes two handles of its carrier (the current thread
 * and the scoped-value cache), so two loops that carry coroutines write one line from two cores on
 * every suspend and resume, and each write waits for the line to come back from the other core. On
 * the 2-core machine of {@code bench/results/2026-11-30/loops-false-sharing.txt} that tripled the CPU
 * time of the JDK's own suspend/resume with two carriers (Weft's or a bare executor's alike); two
 * JVMs, one carrier each, did not slow each other at all.
 *
 * <p>Started right after a loop, {@code perGap} spacers take the next {@code 4 * perGap} handles;
 * two of them (8 handles, 64 bytes) are enough for no 64-byte line to hold handles of both neighbours,
 * however the table's blocks are aligned. That holds when the table hands out its slots in order, as
 * it does while it has no holes: it gives each new handle the lowest free slot of the first block
 * that has one, so slots freed by threads that have ended (an earlier runtime's, idle workers timed
 * out, compiler threads) or taken by threads another thread starts at the same moment can still put
 * two loops side by side. A best effort, then, that costs two parked threads per loop; measured, one,
 * two and four spacers did equally well (results file, section 4). A spacer waits on a latch until
 * {@link #release} and runs nothing else; it inherits no thread-locals and asks for a small stack.
 */
public final class HandleSpacers {

    /** {@code WeftRuntime.LOOP_SPACERS_PROPERTY}: spacers per gap between two loops (0: none). */
    private static final String PROPERTY = WeftRuntime.LOOP_SPACERS_PROPERTY;
    /** Two spacers put 8 handles (64 bytes) between two loops' handles. */
    private static final int DEFAULT = 2;
    /** A hint: the JVM rounds it up to its minimum. A spacer only waits. */
    private static final long STACK_BYTES = 64 * 1024;

    private final int perGap;
    private final CountDownLatch released = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();

    private HandleSpacers(int perGap) {
        this.perGap = perGap; // from configured(): never negative
    }

    /**
     * The number the {@code weft.loop.spacers} system property asks for, else 2.
     *
     * @throws IllegalArgumentException if the property is set to anything but a whole number {@code >= 0}
     */
    static int configured() {
        String v = System.getProperty(PROPERTY);
        if (v == null) {
            return DEFAULT;
        }
        int n;
        try {
            n = Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + ": " + v + " (expected: a whole number of threads >= 0)", e);
        }
        if (n < 0) {
            throw new IllegalArgumentException(PROPERTY + ": " + v + " (expected: a whole number of threads >= 0)");
        }
        return n;
    }

    /**
     * Spacers for {@code threads} threads started one after another (loops, carriers): the configured
     * number per gap ({@link #configured}), none when there is only one thread and so no gap.
     *
     * @throws IllegalArgumentException if the property is set to anything but a whole number {@code >= 0}
     */
    public static HandleSpacers between(int threads) {
        int perGap = configured(); // read even for one thread: a bad value is refused either way
        return new HandleSpacers(threads > 1 ? perGap : 0);
    }

    /**
     * Call right before starting thread {@code index} of the row: starts the spacers of the gap after
     * thread {@code index - 1}, named {@code prefix-<index - 1>-0}, {@code -1}, ... (none before the first).
     */
    public void beforeThread(int index, String prefix) {
        if (index > 0) {
            startAfter(prefix + "-" + (index - 1));
        }
    }

    /** Starts this object's number of spacers now, named {@code prefix-0}, {@code prefix-1}, ... */
    private void startAfter(String prefix) {
        for (int i = 0; i < perGap; i++) {
            Thread t = new Thread(null, this::idle, prefix + "-" + i, STACK_BYTES, false);
            t.setDaemon(true);
            t.start(); // the JVM hands out the thread's handles here, in this order
            threads.add(t);
        }
    }

    /** Lets every spacer end. Idempotent. */
    public void release() {
        released.countDown();
    }

    /** The spacers started so far (to join after {@link #release}). */
    public List<Thread> threads() {
        return List.copyOf(threads);
    }

    private void idle() {
        while (true) {
            try {
                released.await();
                return;
            } catch (InterruptedException e) {
                // only release() ends a spacer: it must keep its handles until the loops have ended
            }
        }
    }
}
