package dev.weft.core;

import java.time.Duration;

/**
 * Something built on a runtime that must wind down while the loops still run, for example the
 * coroutines a facade started: {@link WeftRuntime#close()} first fails every pending operation, then
 * gives each participant the chance to see its work end, then stops the loops.
 */
public interface CloseParticipant {

    /**
     * Waits, at most {@code timeout}, until this participant's work has ended. Called on the closing
     * thread after every pending operation was failed with {@link RuntimeClosedException}.
     *
     * @return {@code true} if everything ended in time
     */
    boolean awaitQuiescence(Duration timeout) throws InterruptedException;
}
