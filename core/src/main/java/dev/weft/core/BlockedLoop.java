package dev.weft.core;

import java.time.Duration;
import java.util.List;

/**
 * What the blocked-loop detector saw when it found a loop blocked: which loop, for how long so far,
 * the stack of the loop's thread and, when the loop was carrying a coroutine (a loop-affine virtual
 * thread) at that moment, that virtual thread and its own stack, which is the one naming the user's
 * code (the carrier's shows only the JDK frames that run a continuation).
 *
 * @param runtime the runtime's name
 * @param loop the loop's index
 * @param loopThread the loop's platform thread
 * @param blockedFor how long the loop had been blocked when it was seen (at least the threshold;
 *     up to half a threshold less than the truth)
 * @param threshold the detector's threshold
 * @param loopStack the loop thread's stack, innermost frame first
 * @param carried the virtual thread the loop was carrying, or {@code null}
 * @param carriedStack {@code carried}'s own stack, innermost frame first (empty if none)
 */
public record BlockedLoop(String runtime, int loop, Thread loopThread, Duration blockedFor, Duration threshold,
        List<StackTraceElement> loopStack, Thread carried, List<StackTraceElement> carriedStack) {

    /** The stack that names the code blocking the loop: the carried coroutine's if any, else the loop thread's. */
    public List<StackTraceElement> blockingStack() {
        return carried != null ? carriedStack : loopStack;
    }

    /** The report as the detector logs it: one summary line, then the stacks. */
    public String describe() {
        StringBuilder sb = new StringBuilder(2048);
        sb.append(runtime).append(": loop ").append(loop).append(" (").append(loopThread.getName())
                .append(") blocked for ").append(blockedFor.toMillis()).append(" ms (threshold ")
                .append(threshold.toMillis()).append(" ms): it has not come back to its run queue or I/O poll");
        if (carried != null) {
            sb.append("; it carries coroutine ").append(carried).append(", which runs:");
            frames(sb, carriedStack);
            sb.append("\n  the loop thread (the coroutine's carrier) runs:");
        } else {
            sb.append("; the loop thread runs:");
        }
        frames(sb, loopStack);
        return sb.toString();
    }

    private static void frames(StringBuilder sb, List<StackTraceElement> stack) {
        int n = Math.min(stack.size(), MAX_FRAMES);
        for (int i = 0; i < n; i++) {
            sb.append("\n\tat ").append(stack.get(i));
        }
        if (stack.size() > n) {
            sb.append("\n\t... ").append(stack.size() - n).append(" more");
        }
    }

    private static final int MAX_FRAMES = 64;
}
