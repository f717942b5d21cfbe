package dev.weft.core;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-loop counters. Plain fields written only on the loop thread (cheap enough to leave on), read
 * racily by meters and snapshots; the one counter that other threads bump is a LongAdder.
 */
final class LoopMetrics {
    long tasks;
    long drains;
    long budgetExhaustions;
    /** Tasks that arrived through the cross-thread queue: one cross-thread handoff each. */
    long remoteTasks;
    long succeeded;
    long failed;
    long cancelled;
    long taskFailures;
    long listenerFailures;
    /** I/O polls (loop iterations), counted by LoopIoHandler's hook. */
    long iterations;
    /** Time spent waiting in the I/O poll, in ns; kept only when the loop is clocked (a registry). */
    long idleNanos;
    /** When the current I/O wait began (System.nanoTime); clocked loops only. */
    long idleSince;
    /** Completions that lost to an earlier one (ignored, never delivered twice). Any thread. */
    final LongAdder lateCompletions = new LongAdder();
    /** Release hooks (onCancel/onAbort) that threw, on whatever thread cancelled. */
    final LongAdder releaseFailures = new LongAdder();

    /** Tasks that threw plus release hooks that threw. */
    long failures() {
        return taskFailures + releaseFailures.sum();
    }

    void completed(Throwable failure) {
        if (failure == null) {
            succeeded++;
        } else if (failure instanceof CancellationException) {
            cancelled++;
        } else {
            failed++;
        }
    }
}
