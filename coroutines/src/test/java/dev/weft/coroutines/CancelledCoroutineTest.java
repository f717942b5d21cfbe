package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.core.CoroutineScheduler;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A cancelled coroutine that goes on running (it caught the cancellation) makes further suspending
 * calls: each must throw at once and start nothing. Started-then-cancelled is not enough: a close
 * handed to the loop can run there before the coroutine gets to cancel it. And what its body
 * returns after the cancel reaches nobody, so a buffer is released.
 */
class CancelledCoroutineTest {
    private static final int ROUNDS = 50;

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void laterCallsOfACancelledCoroutineThrowAtOnceAndStartNothing(CoroutineScheduler scheduler) throws Exception {
        assumeTrue(scheduler == CoroutineScheduler.DEFAULT || Coroutines.loopAffineAvailable(),
                "needs --add-opens (this is the fallback JVM)");
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, scheduler);
            TcpServer server = co.serve(request -> request.retain());
            for (int round = 0; round < ROUNDS; round++) {
                TcpConnection conn = co.connect(server.localAddress());
                AtomicInteger ran = new AtomicInteger();
                CompletableFuture<List<Throwable>> thrown = new CompletableFuture<>();
                Promise<Void> never = rt.loop(0).promise(null);
                Coroutine<Void> c = co.launch(conn.loop(), () -> {
                    List<Throwable> seen = new ArrayList<>();
                    try {
                        seen.add(call(() -> co.await(never)));
                        seen.add(call(() -> co.close(conn)));
                        seen.add(call(() -> co.submit(ran::incrementAndGet)));
                        seen.add(call(() -> co.tick(ran::incrementAndGet)));
                        seen.add(call(() -> co.offload(ran::incrementAndGet)));
                        ByteBuf frame = Unpooled.copiedBuffer("after cancel", StandardCharsets.UTF_8);
                        seen.add(call(() -> co.request(conn, frame)));
                        assertEquals(0, frame.refCnt(), "a refused request's buffer is released");
                        thrown.complete(seen);
                    } catch (Throwable t) {
                        thrown.completeExceptionally(t);
                    }
                    return null;
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!c.isSuspended() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertTrue(c.isSuspended(), "the coroutine never suspended on the promise");
                assertTrue(c.cancel());
                List<Throwable> seen = thrown.get(20, TimeUnit.SECONDS);
                assertEquals(6, seen.size());
                for (Throwable t : seen) {
                    assertInstanceOf(CancellationException.class, t);
                }
                for (Throwable later : seen.subList(1, seen.size())) {
                    assertTrue(later.getMessage().contains("start nothing"), "refused before starting: " + later);
                }
                assertTrue(conn.isOpen(), "a cancelled coroutine's close() closed the connection");
                ByteBuf reply = co.request(conn, Unpooled.copiedBuffer("still open", StandardCharsets.UTF_8));
                assertEquals("still open", reply.toString(StandardCharsets.UTF_8));
                reply.release();
                assertEquals(0, ran.get(), "a cancelled coroutine's task ran");
                assertEquals(0, conn.pendingRequests());
                co.close(conn);
            }
            co.close(server);
        }
    }

    @Test
    void aValueReturnedByACancelledBodyIsReleased() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.DEFAULT);
            CountDownLatch running = new CountDownLatch(1);
            CompletableFuture<Void> go = new CompletableFuture<>();
            ByteBuf result = Unpooled.copiedBuffer("nobody wants this", StandardCharsets.UTF_8);
            Coroutine<ByteBuf> c = co.launch(() -> {
                running.countDown();
                go.join(); // plain blocking that ignores the cancel's interrupt: the body finishes all the same
                return result;
            });
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            c.onComplete((v, e) -> outcome.complete(e));
            assertTrue(running.await(20, TimeUnit.SECONDS));
            assertTrue(c.cancel());
            assertInstanceOf(CancellationException.class, outcome.get(20, TimeUnit.SECONDS));
            go.complete(null);
            c.thread().join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(c.thread().isAlive());
            assertEquals(0, result.refCnt(), "the value of a body that finished after its cancel was kept");
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static Throwable call(Call call) {
        try {
            call.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
