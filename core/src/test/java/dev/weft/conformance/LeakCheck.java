package dev.weft.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns Netty's leak reports into test failures. Netty's detector (PARANOID in Weft's tests) only
 * logs a leak, and only when a later allocation finds a collected buffer that was never released;
 * this listens to the ByteBuf detector directly and lets a test force that moment: collect garbage,
 * wait (bounded) for the collector to hand over cleared references, allocate, then look.
 */
public final class LeakCheck {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static boolean installed;

    private LeakCheck() {}

    /** Starts listening to the ByteBuf leak detector (idempotent). */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        try {
            Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
            f.setAccessible(true);
            ResourceLeakDetector<?> detector = (ResourceLeakDetector<?>) f.get(null);
            detector.setLeakListener((type, records) -> LEAKS.add(type + " leaked; records:" + records));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new AssertionError("cannot listen to Netty's ByteBuf leak detector", e);
        }
        installed = true;
    }

    /** Runs the collector and lets the detector report what it found; returns (and forgets) the reports. */
    public static List<String> collect(int rounds) {
        for (int i = 0; i < rounds; i++) {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
            System.gc();
            try {
                queue.remove(Outcome.WAIT_SECONDS * 1000); // cleared references of this cycle are being enqueued
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sentinel.clear();
            ByteBufAllocator.DEFAULT.directBuffer(1).release(); // a tracked allocation polls the detector's queue
            ByteBufAllocator.DEFAULT.heapBuffer(1).release();
        }
        List<String> found = new ArrayList<>(LEAKS);
        LEAKS.removeAll(found);
        return found;
    }

    /** Fails if any ByteBuf leak has been reported (after a collection) since the last check. */
    public static void assertNoLeaks() {
        List<String> found = collect(2);
        if (!found.isEmpty()) {
            fail(found.size() + " ByteBuf leak(s) reported by Netty's leak detector:\n" + String.join("\n\n", found));
        }
    }
}
