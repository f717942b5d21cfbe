package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.Waits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Values that reach a combinator but nobody: each reference-counted one is released exactly once,
 * and the value that is delivered is left alone. Each case makes the losing value arrive after the
 * combinator ended by completing the children from this thread while their loop is blocked.
 */
class OpsDisposalTest {
    private WeftRuntime rt;

    @BeforeEach
    void start() {
        rt = WeftRuntime.builder().loops(2).build();
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    private record Seen<T>(T value, Throwable failure) {}

    private static <T> OpListener<T> into(CompletableFuture<Seen<T>> seen) {
        return (v, e) -> seen.complete(new Seen<>(v, e));
    }

    private static <T> Seen<T> get(CompletableFuture<Seen<T>> seen) throws Exception {
        return seen.get(20, TimeUnit.SECONDS);
    }

    private static ByteBuf buf() {
        return Unpooled.buffer(8).writeLong(42);
    }

    @Test
    void aRaceReleasesTheValueThatLost() throws Exception {
        Loop loop = rt.loop(0);
        Promise<ByteBuf> first = loop.promise(null);
        Promise<ByteBuf> second = loop.promise(null);
        CompletableFuture<Seen<ByteBuf>> seen = new CompletableFuture<>();
        Ops.race(loop, List.of(first, second), into(seen));
        ByteBuf winner = buf();
        ByteBuf loser = buf();
        CountDownLatch release = Waits.blockLoop(loop);
        assertTrue(first.succeed(winner));
        assertTrue(second.succeed(loser)); // both done before the race hears of either
        release.countDown();
        assertSame(winner, get(seen).value());
        Waits.flushLoops(rt);
        assertEquals(1, winner.refCnt(), "the delivered value belongs to the listener");
        assertEquals(0, loser.refCnt(), "the value that lost was not released");
        winner.release();
    }

    @Test
    void anyReleasesEveryValueAfterTheFirst() throws Exception {
        Loop loop = rt.loop(0);
        Promise<ByteBuf> a = loop.promise(null);
        Promise<ByteBuf> b = loop.promise(null);
        Promise<ByteBuf> c = loop.promise(null);
        CompletableFuture<Seen<ByteBuf>> seen = new CompletableFuture<>();
        Ops.any(loop, List.of(a, b, c), into(seen));
        ByteBuf[] bufs = {buf(), buf(), buf()};
        CountDownLatch release = Waits.blockLoop(loop);
        a.succeed(bufs[0]);
        b.succeed(bufs[1]);
        c.succeed(bufs[2]);
        release.countDown();
        assertSame(bufs[0], get(seen).value());
        Waits.flushLoops(rt);
        assertEquals(1, bufs[0].refCnt());
        assertEquals(0, bufs[1].refCnt());
        assertEquals(0, bufs[2].refCnt());
        bufs[0].release();
    }

    @Test
    void allReleasesTheValuesItCollectedWhenALaterChildFails() throws Exception {
        Loop loop = rt.loop(0);
        Promise<ByteBuf> ok = loop.promise(null);
        Promise<ByteBuf> bad = loop.promise(null);
        Promise<ByteBuf> late = loop.promise(null);
        CompletableFuture<Seen<List<ByteBuf>>> seen = new CompletableFuture<>();
        Ops.all(loop, List.of(ok, bad, late), into(seen));
        ByteBuf collected = buf();
        ByteBuf afterTheFailure = buf();
        CountDownLatch release = Waits.blockLoop(loop);
        ok.succeed(collected);
        bad.failWith(new IllegalStateException("boom"));
        late.succeed(afterTheFailure);
        release.countDown();
        assertInstanceOf(IllegalStateException.class, get(seen).failure());
        Waits.flushLoops(rt);
        assertEquals(0, collected.refCnt(), "a value collected before the failure was not released");
        assertEquals(0, afterTheFailure.refCnt(), "a value arriving after the failure was not released");
    }

    @Test
    void cancellingAnAllReleasesWhatItCollected() throws Exception {
        Loop loop = rt.loop(0);
        Promise<ByteBuf> ok = loop.promise(null);
        Promise<ByteBuf> pending = loop.promise(null);
        CompletableFuture<Seen<List<ByteBuf>>> seen = new CompletableFuture<>();
        Op<List<ByteBuf>> all = Ops.all(loop, List.of(ok, pending), into(seen));
        ByteBuf collected = buf();
        ok.succeed(collected);
        Waits.flushLoops(rt); // delivered to the all()
        assertEquals(1, collected.refCnt());
        assertTrue(all.cancel());
        assertInstanceOf(CancellationException.class, get(seen).failure());
        assertTrue(pending.isCancelled(), "cancel travels down to the pending child");
        assertEquals(0, collected.refCnt(), "a cancelled all() kept a collected value");
    }

    @Test
    void allDeliversEveryValueUntouchedWhenAllSucceed() throws Exception {
        Loop loop = rt.loop(0);
        Promise<ByteBuf> a = loop.promise(null);
        Promise<ByteBuf> b = rt.loop(1).promise(null);
        CompletableFuture<Seen<List<ByteBuf>>> seen = new CompletableFuture<>();
        Ops.all(loop, List.of(a, b), into(seen));
        ByteBuf va = buf();
        ByteBuf vb = buf();
        b.succeed(vb);
        a.succeed(va);
        assertEquals(List.of(va, vb), get(seen).value());
        assertEquals(1, va.refCnt());
        assertEquals(1, vb.refCnt());
        va.release();
        vb.release();
    }

    @Test
    void aValueArrivingAfterTheTimeoutIsReleased() throws Exception {
        Loop timerLoop = rt.loop(0);
        Loop childLoop = rt.loop(1);
        Promise<ByteBuf> child = childLoop.promise(null);
        CompletableFuture<Seen<ByteBuf>> seen = new CompletableFuture<>();
        CountDownLatch release = Waits.blockLoop(childLoop);
        ByteBuf late = buf();
        assertTrue(child.succeed(late)); // done, but its blocked loop cannot tell anyone yet
        Ops.timeout(timerLoop, child, Duration.ofMillis(5), into(seen));
        assertInstanceOf(OperationTimeoutException.class, get(seen).failure());
        release.countDown();
        Waits.flushLoops(rt);
        Waits.flushLoops(rt);
        assertEquals(0, late.refCnt(), "a value that arrived after the timeout was not released");
    }
}
