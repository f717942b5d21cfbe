package dev.weft.futures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A future cancelled while its operation's value is on its way to it: nobody will ever see that
 * value (the future reports the cancellation), so a reference-counted one is released, not leaked.
 */
class CancelledFutureTest {

    @Test
    void aBufferThatArrivesAfterTheFutureWasCancelledIsReleased() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Futures fu = Futures.of(rt);
            Promise<ByteBuf> p = rt.loop(0).promise(null);
            WeftFuture<ByteBuf> f = fu.from(p);
            ByteBuf value = Unpooled.buffer(4).writeInt(7);
            CountDownLatch release = Waits.blockLoop(rt.loop(0));
            assertTrue(p.succeed(value)); // completed; its delivery to the future waits for the loop
            assertTrue(f.cancel(true)); // too late for the op, in time for the future
            release.countDown();
            Waits.flushLoops(rt);
            assertTrue(f.isCancelled());
            assertEquals(0, value.refCnt(), "the value the cancelled future never delivered was kept");
        }
    }

    @Test
    void aFutureThatWasNotCancelledHandsItsBufferOverUntouched() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Futures fu = Futures.of(rt);
            Promise<ByteBuf> p = rt.loop(0).promise(null);
            WeftFuture<ByteBuf> f = fu.from(p);
            ByteBuf value = Unpooled.buffer(4).writeInt(7);
            p.succeed(value);
            ByteBuf got = f.get();
            assertFalse(f.isCancelled());
            assertEquals(1, got.refCnt());
            got.release();
        }
    }
}
