package dev.weft.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opt-in ({@link WeftRuntime.Builder#reportPinning}): a JFR {@link RecordingStream} on
 * {@code jdk.VirtualThreadPinned}, the JDK's event for a virtual thread that blocked while it could
 * not unmount (a native frame or a class initialiser on its stack on every JDK; also a monitor held
 * on JDK 21-23). Each event is counted for the loop whose thread was the carrier (JDK 24+ names the
 * carrier), else as not attributable ({@code loop="none"}: a virtual thread of the default scheduler,
 * of this runtime or not, since JFR events are JVM-wide); and logged, WARN with its stack, at most
 * one line per second (the line says how many it left out).
 *
 * <p>Fields: the counters are LongAdders (the stream's thread writes, meters read); the throttle is
 * confined to the stream's thread.
 */
final class PinningMonitor {
    private static final Logger log = LoggerFactory.getLogger(PinningMonitor.class);
    static final String EVENT = "jdk.VirtualThreadPinned";
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int MAX_FRAMES = 32;

    private final String runtime;
    private final Loop[] loops;
    private final LongAdder[] perLoop;
    private final LongAdder unattributed = new LongAdder();
    private final RecordingStream stream;
    private long lastLog = System.nanoTime() - LOG_EVERY_NANOS;
    private long notLogged;

    PinningMonitor(String runtime, Loop[] loops, Duration threshold) {
        this.runtime = runtime;
        this.loops = loops;
        this.perLoop = new LongAdder[loops.length];
        for (int i = 0; i < loops.length; i++) {
            perLoop[i] = new LongAdder();
        }
        this.stream = new RecordingStream();
        try {
            stream.enable(EVENT).withThreshold(threshold).withStackTrace();
            stream.onEvent(EVENT, this::onPinned);
            stream.setReuse(false);
            stream.startAsync();
        } catch (RuntimeException | Error e) { // a stream that could not start is not left open
            stream.close();
            throw e;
        }
    }

    /** Pinned virtual threads carried by loop {@code index}. */
    long pinned(int index) {
        return perLoop[index].sum();
    }

    /** Pinned virtual threads that no loop of this runtime carried (or a JDK that does not say). */
    long unattributed() {
        return unattributed.sum();
    }

    void close() {
        stream.close();
    }

    private void onPinned(RecordedEvent e) {
        RecordedThread carrier = e.hasField("carrierThread") ? e.getThread("carrierThread") : null;
        int loop = carrier == null ? -1 : loopOf(carrier.getJavaThreadId());
        (loop >= 0 ? perLoop[loop] : unattributed).increment();
        long now = System.nanoTime();
        if (now - lastLog < LOG_EVERY_NANOS) {
            notLogged++;
            return;
        }
        lastLog = now;
        long skipped = notLogged;
        notLogged = 0;
        RecordedThread vt = e.getThread();
        String where = loop >= 0 ? "loop " + loop : carrier != null ? carrier.getJavaName() : "an unknown carrier";
        String why = e.hasField("pinnedReason") ? e.getString("pinnedReason") : null;
        String op = e.hasField("blockingOperation") ? e.getString("blockingOperation") : null;
        log.warn("{}: virtual thread {} was pinned to its carrier ({}) for {} ms{}{}{}; it blocked the carrier"
                + " meanwhile:{}", runtime, vt == null ? "?" : vt.getJavaName() + "#" + vt.getJavaThreadId(), where,
                e.getDuration().toMillis(), op != null ? " in " + op : "", why != null ? " (" + why + ")" : "",
                skipped > 0 ? " [" + skipped + " more pinned events since the last line were not logged]" : "",
                frames(e.getStackTrace()));
    }

    private int loopOf(long threadId) {
        for (Loop l : loops) {
            Thread t = l.thread();
            if (t != null && t.threadId() == threadId) {
                return l.index();
            }
        }
        return -1;
    }

    private static String frames(RecordedStackTrace st) {
        if (st == null) {
            return " (no stack)";
        }
        List<RecordedFrame> fs = st.getFrames();
        StringBuilder sb = new StringBuilder();
        int n = Math.min(fs.size(), MAX_FRAMES);
        for (int i = 0; i < n; i++) {
            RecordedFrame f = fs.get(i);
            sb.append("\n\tat ").append(f.getMethod().getType().getName()).append('.').append(f.getMethod().getName())
                    .append(':').append(f.getLineNumber());
        }
        if (fs.size() > n || st.isTruncated()) {
            sb.append("\n\t...");
        }
        return sb.toString();
    }
}
