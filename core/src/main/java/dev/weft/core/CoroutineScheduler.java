package dev.weft.core;

/**
 * Which threads carry the coroutines (virtual threads) of the coroutine facade
 * ({@code dev.weft.coroutines.Coroutines}): chosen on {@link WeftRuntime.Builder#coroutineScheduler},
 * or per facade with {@code Coroutines.of(runtime, scheduler)}. Defined here so that the runtime's
 * builder can carry the choice without depending on the facade.
 */
public enum CoroutineScheduler {
    /**
     * The JDK's own virtual-thread scheduler (a ForkJoinPool). Portable and needs no flags, but every
     * resume hops from the loop thread to a carrier thread, and every next operation hops back.
     */
    DEFAULT,
    /**
     * The coroutine's carrier is its loop's thread: completion resumes it on the same thread with no
     * cross-thread handoff, like a callback. Needs
     * {@code --add-opens java.base/java.lang=ALL-UNNAMED} (or {@code Add-Opens: java.base/java.lang}
     * in an executable jar's manifest); without it Weft falls back to {@link #DEFAULT} and says so.
     * A coroutine that blocks its carrier blocks the whole loop: offload blocking work.
     */
    LOOP_AFFINE
}
