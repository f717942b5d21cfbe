package dev.weft.core;

import java.time.Duration;

/**
 * Told by the blocked-loop detector when a loop has not come back to its run queue or its I/O poll
 * within the threshold ({@link WeftRuntime.Builder#blockedLoopThreshold}), and when it does again.
 * Each episode gives exactly one {@link #onBlocked} and, if the loop ever comes back, one
 * {@link #onRecovered} with the same report. Given on the builder
 * ({@link WeftRuntime.Builder#blockedLoopHandler}); called in addition to the detector's own WARN and
 * INFO lines (silence those through the logger {@code dev.weft.core.BlockedLoopDetector}).
 *
 * <p>Thread rules: both methods run on the runtime's watchdog thread ({@code <runtime>-watchdog}),
 * one call at a time; a slow handler delays the detection of other loops, and one that throws is
 * logged and called again for the next event. Neither may wait for a loop (that loop is blocked).
 */
public interface BlockedLoopHandler {

    /** A loop has been blocked for {@link BlockedLoop#blockedFor()} (at least the threshold). */
    void onBlocked(BlockedLoop report);

    /**
     * The loop of {@code report} has come back after being blocked for about {@code blockedFor} in
     * all (measured by the watchdog: up to half a threshold more than the truth).
     */
    default void onRecovered(BlockedLoop report, Duration blockedFor) {
    }
}
