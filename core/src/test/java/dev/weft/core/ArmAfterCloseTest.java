package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * A timer armed on a loop that has ended (an operation started while the runtime closes, as the fault
 * soak does) is refused with Weft's {@link RuntimeClosedException}, not Netty's "event executor
 * terminated" RejectedExecutionException: every operation's start says "closed" the same way, and the
 * operations that arm a timer fail with it instead of throwing something their callers do not expect.
 */
class ArmAfterCloseTest {

    @Test
    void armingATimerOnAnEndedLoopSaysTheRuntimeIsClosed() {
        WeftRuntime rt = WeftRuntime.builder().loops(1).build();
        Loop loop = rt.loop(0);
        rt.close();
        assertThrows(RuntimeClosedException.class, () -> loop.armTimer(1_000_000, () -> { }));
    }
}
