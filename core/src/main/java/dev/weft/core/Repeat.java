package dev.weft.core;

/** How a repeating timer ({@link Loop#every}) places its ticks. */
public enum Repeat {
    /**
     * Ticks at {@code initialDelay + n * period} from the start, whatever each tick costs. A tick that
     * runs late (a busy loop) does not move the ones after it; ticks that fell due while the loop was
     * busy run back to back, so the count of ticks over time stays right.
     */
    FIXED_RATE,
    /** The next tick comes {@code period} after the previous one ended: the gap between ticks is kept. */
    FIXED_DELAY
}
