package dev.weft.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import org.junit.jupiter.api.Test;

/**
 * The suites' "delivered exactly once" check does catch a late duplicate: a second delivery that a
 * loop has queued (behind its run queue, on its next iteration, or handed on from there) arrives
 * before {@link Waits#flushLoops} returns.
 */
class WaitsTest {

    @Test
    void aDuplicateQueuedOnTheLoopArrivesBeforeTheFlushReturns() {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Loop loop = rt.loop(0);
            Outcome<Integer> o = new Outcome<>();
            o.deliver(1, null);
            // a duplicate two hand-offs away: run queue -> next iteration -> run queue
            loop.execute(() -> loop.tick(() -> {
                loop.execute(() -> o.deliver(2, null));
                return null;
            }, null));
            Waits.flushLoops(rt);
            assertEquals(2, o.deliveries(), "the duplicate had not arrived when the flush returned");
            assertThrows(AssertionError.class, o::assertDeliveredOnce);
        }
    }
}
