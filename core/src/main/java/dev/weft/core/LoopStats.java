package dev.weft.core;

/**
 * A snapshot of one loop's counters. Taken from any thread; values read off the loop are racy
 * (each is exact, the set is not taken atomically). Take it on the loop for an exact set.
 *
 * @param tasks tasks run by the run queue
 * @param drains drain passes over the run queue
 * @param budgetExhaustions drain passes cut short by the time budget to let I/O in
 * @param crossThreadHandoffs tasks submitted from another thread (each one a cross-thread handoff)
 * @param succeeded operations completed with a value
 * @param failed operations completed with a failure other than cancellation
 * @param cancelled operations cancelled
 * @param lateCompletions completions ignored because the operation had already completed
 * @param taskFailures tasks that threw with nobody to tell, and releases on cancel (an operation's
 *     cancel hook, a promise's {@code whenCancelled} action) that threw, from any thread
 * @param listenerFailures listeners that threw
 * @param pendingOperations operations in the pending registry now
 * @param iterations loop iterations: I/O polls the loop has made
 */
public record LoopStats(long tasks, long drains, long budgetExhaustions, long crossThreadHandoffs,
        long succeeded, long failed, long cancelled, long lateCompletions, long taskFailures,
        long listenerFailures, int pendingOperations, long iterations) {

    static LoopStats of(Loop loop) {
        LoopMetrics m = loop.metrics;
        return new LoopStats(m.tasks, m.drains, m.budgetExhaustions, m.remoteTasks, m.succeeded, m.failed,
                m.cancelled, m.lateCompletions.sum(), m.failures(), m.listenerFailures, loop.pendingOperations(),
                m.iterations);
    }

    /** Completed operations, in any way. */
    public long completed() {
        return succeeded + failed + cancelled;
    }

    /** This minus an earlier snapshot (pending operations: this one's). */
    public LoopStats minus(LoopStats before) {
        return new LoopStats(tasks - before.tasks, drains - before.drains, budgetExhaustions - before.budgetExhaustions,
                crossThreadHandoffs - before.crossThreadHandoffs, succeeded - before.succeeded, failed - before.failed,
                cancelled - before.cancelled, lateCompletions - before.lateCompletions,
                taskFailures - before.taskFailures, listenerFailures - before.listenerFailures, pendingOperations,
                iterations - before.iterations);
    }

    /** The sum of two snapshots (of different loops). */
    public LoopStats plus(LoopStats o) {
        return new LoopStats(tasks + o.tasks, drains + o.drains, budgetExhaustions + o.budgetExhaustions,
                crossThreadHandoffs + o.crossThreadHandoffs, succeeded + o.succeeded, failed + o.failed,
                cancelled + o.cancelled, lateCompletions + o.lateCompletions, taskFailures + o.taskFailures,
                listenerFailures + o.listenerFailures, pendingOperations + o.pendingOperations,
                iterations + o.iterations);
    }
}
