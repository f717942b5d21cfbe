package dev.weft.core;

import static dev.weft.conformance.Waits.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.RawSocket;
import dev.weft.conformance.Waits;
import dev.weft.core.tcp.TcpOptions;
import dev.weft.core.tcp.TcpServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@link VirtualTime} promises beyond the conformance suite's per-style checks: one clock over
 * several loops, the settling rule, misuse, and the TCP frame timer. Style-independent, so here.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtualTimeTest {


    @Test
    void timersOfSeveralLoopsFireInOneDeadlineOrderEachOnItsOwnLoop() {
        VirtualTime vt = VirtualTime.create();
        try (WeftRuntime rt = WeftRuntime.builder().loops(3).virtualTime(vt).build()) {
            List<String> fired = new CopyOnWriteArrayList<>();
            List<Thread> threads = new CopyOnWriteArrayList<>();
            int[][] plan = {{2, 50}, {0, 30}, {1, 10}, {0, 40}, {2, 20}, {1, 30}}; // {loop, seconds}
            for (int[] p : plan) {
                Loop loop = rt.loop(p[0]);
                loop.schedule(Duration.ofSeconds(p[1]), () -> {
                    fired.add(p[1] + "s@" + loop.index());
                    threads.add(Thread.currentThread());
                    assertSame(loop.thread(), Thread.currentThread());
                    return null;
                }, null);
                vt.runUntilIdle(); // armed before the next: ties (30 s) keep this order
            }
            vt.advanceBy(Duration.ofSeconds(50));
            assertEquals(List.of("10s@1", "20s@2", "30s@0", "30s@1", "40s@0", "50s@2"), fired);
            for (int i = 0; i < fired.size(); i++) {
                String f = fired.get(i);
                assertSame(rt.loop(f.charAt(f.length() - 1) - '0').thread(), threads.get(i), f + " fired off its loop");
            }
        }
    }

    @Test
    void workATimerSetsOffOnAnotherLoopAndOnTheWorkersHasRunWhenAdvanceByReturns() {
        VirtualTime vt = VirtualTime.create();
        try (WeftRuntime rt = WeftRuntime.builder().loops(2).workers(2, 16).virtualTime(vt).build()) {
            AtomicReference<String> result = new AtomicReference<>();
            // 10 s on loop 0, then an offload, then a hop to loop 1, then 5 s more there: all within 15 s.
            rt.loop(0).delay(Duration.ofSeconds(10), (v, e) -> rt.loop(0).offload(() -> "offloaded", (s, e2) ->
                    rt.loop(1).execute(() -> rt.loop(1).delay(Duration.ofSeconds(5), (v2, e3) -> result.set(s + " then 5 s")))));
            vt.advanceBy(Duration.ofSeconds(15).minusNanos(1));
            assertEquals(null, result.get());
            assertEquals(1, vt.pendingTimers(), "the second delay is armed: the offload and the hop ran");
            assertEquals(Optional.of(Duration.ofNanos(1)), vt.timeToNextTimer());
            vt.advanceBy(Duration.ofNanos(1));
            assertEquals("offloaded then 5 s", result.get());
        }
    }

    @Test
    void nothingFiresUntilTheClockIsMovedAndAdvanceToNextTimerJumpsToTheEarliest() throws Exception {
        VirtualTime vt = VirtualTime.create();
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).virtualTime(vt).build()) {
            AtomicInteger zero = new AtomicInteger();
            rt.loop(0).delay(Duration.ZERO, (v, e) -> zero.incrementAndGet());
            await(rt.loop(0).tick(() -> null, null)); // the loop has had a whole iteration: a real zero delay would have fired
            assertEquals(0, zero.get(), "a virtual timer fired without the clock being moved");
            vt.runUntilIdle();
            assertEquals(1, zero.get());
            assertEquals(Duration.ZERO, vt.now());

            Op<Void> hour = rt.loop(0).delay(Duration.ofHours(1), null);
            rt.loop(0).delay(Duration.ofHours(2), null);
            assertTrue(vt.advanceToNextTimer());
            assertEquals(Duration.ofHours(1), vt.now());
            assertTrue(hour.isDone());
            assertEquals(1, vt.pendingTimers());
            assertTrue(vt.advanceToNextTimer());
            assertFalse(vt.advanceToNextTimer(), "no timer left");
            assertEquals(Duration.ofHours(2), vt.now());
        }
    }

    @Test
    void aCancelledTimerNeverFiresAndLeavesTheQueue() {
        VirtualTime vt = VirtualTime.create();
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).virtualTime(vt).build()) {
            AtomicInteger fired = new AtomicInteger();
            Op<Integer> op = rt.loop(0).schedule(Duration.ofSeconds(1), fired::incrementAndGet, null);
            vt.runUntilIdle();
            assertEquals(1, vt.pendingTimers());
            assertTrue(op.cancel());
            assertEquals(0, vt.pendingTimers());
            vt.advanceBy(Duration.ofSeconds(2));
            assertEquals(0, fired.get());
        }
    }

    @Test
    void afterCloseTheClockOnlyMoves() throws Exception {
        VirtualTime vt = VirtualTime.create();
        WeftRuntime rt = WeftRuntime.builder().loops(1).virtualTime(vt).build();
        AtomicInteger fired = new AtomicInteger();
        Op<Integer> op = rt.loop(0).schedule(Duration.ofSeconds(1), fired::incrementAndGet, null);
        vt.runUntilIdle();
        rt.close();
        vt.advanceBy(Duration.ofSeconds(2));
        assertEquals(0, fired.get(), "a timer fired after close");
        assertEquals(Duration.ofSeconds(2), vt.now());
        assertInstanceOf(RuntimeClosedException.class, assertThrows(Exception.class, () -> await(op)).getCause());
    }

    @Test
    void aClockWhoseBuildFailedDrivesTheNextBuild() {
        VirtualTime vt = VirtualTime.create();
        SimpleMeterRegistry refusing = new SimpleMeterRegistry();
        refusing.config().meterFilter(new MeterFilter() { // the first meter fails the build, after attach
            @Override
            public Meter.Id map(Meter.Id id) {
                throw new IllegalStateException("refused: " + id.getName());
            }
        });
        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> WeftRuntime.builder().loops(1).virtualTime(vt).meterRegistry(refusing).build());
        assertTrue(failed.getMessage().startsWith("refused: "), failed.getMessage());
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).virtualTime(vt).build()) {
            Op<Void> delay = rt.loop(0).delay(Duration.ofSeconds(1), null);
            vt.advanceBy(Duration.ofSeconds(1));
            assertTrue(delay.isDone() && !delay.isFailed() && !delay.isCancelled(),
                    "the clock does not drive the runtime built after the failed one: " + delay);
        }
    }

    @Test
    void misuseIsRefusedWithAClearError() throws Exception {
        VirtualTime vt = VirtualTime.create();
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).virtualTime(vt).build()) {
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> vt.advanceBy(Duration.ofSeconds(-1)));
            assertTrue(negative.getMessage().startsWith("duration: "), negative.getMessage());
            IllegalStateException twice = assertThrows(IllegalStateException.class,
                    () -> WeftRuntime.builder().loops(1).virtualTime(vt).build());
            assertTrue(twice.getMessage().contains("already drives runtime '" + rt.name() + "'"), twice.getMessage());
            Throwable onLoop = assertThrows(Exception.class, () -> await(rt.loop(0).submit(() -> {
                vt.advanceBy(Duration.ofSeconds(1));
                return null;
            }, null)));
            assertInstanceOf(IllegalStateException.class, onLoop.getCause());
            assertTrue(onLoop.getCause().getMessage().contains("from the test's own thread"), onLoop.getCause().getMessage());
        }
    }

    @Test
    void withoutAVirtualClockTimersRunOnRealTime() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            assertEquals(Optional.empty(), rt.virtualTime());
            long t0 = System.nanoTime();
            await(rt.loop(0).delay(Duration.ofMillis(20), null));
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(20), "fired early");
        }
    }

    @Test
    void aTcpFrameTimeoutRunsOnTheVirtualClock() throws Exception {
        VirtualTime vt = VirtualTime.create();
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).virtualTime(vt).build()) {
            TcpOptions opts = TcpOptions.builder().frameTimeout(Duration.ofSeconds(30)).build();
            TcpServer server = await(TcpServer.bind(rt.loop(0), opts, x -> x.reply(x.request().retain()), null));
            try (RawSocket staller = RawSocket.connect(server.localAddress())) {
                staller.writeFrame("whole").writeInt(10).write(new byte[3]);
                assertEquals("whole", staller.readFrame());
                // The server read the partial frame over the real network: wait until its timer is armed.
                Waits.awaitTrue(() -> vt.pendingTimers() == 1, "the frame timer was not armed");
                vt.advanceBy(Duration.ofSeconds(30).minusMillis(1));
                assertEquals(0, server.closedForFrameTimeout(), "closed before the frame timeout");
                vt.advanceBy(Duration.ofMillis(1));
                staller.assertClosedByPeer();
                assertEquals(1, server.closedForFrameTimeout());
            }
            await(server.close(null));
        }
    }
}
