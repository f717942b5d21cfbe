package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** "Complete, or dispose of what nobody will receive", written once in Op.complete, seen from each kind of op. */
class DisposalTest {
    private final WeftRuntime rt = WeftRuntime.builder().loops(2).build();

    @AfterEach
    void stop() {
        rt.close();
    }

    private static <T> T onLoop(Loop loop, java.util.concurrent.Callable<T> c) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                f.complete(c.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f.get(20, TimeUnit.SECONDS);
    }

    @Test
    void anOffloadCancelledMidRunWhoseTaskIgnoresTheInterruptHasItsBufferReleased() throws Exception {
        Loop loop = rt.loop(0);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch returned = new CountDownLatch(1);
        AtomicReference<ByteBuf> made = new AtomicReference<>();
        CompletableFuture<Throwable> told = new CompletableFuture<>();
        Op<ByteBuf> op = loop.offload(() -> {
            running.countDown();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            while (System.nanoTime() < until) {
                Thread.onSpinWait(); // ignores the interrupt, as blocking code often does
            }
            ByteBuf b = Unpooled.buffer(8).writeLong(7);
            made.set(b);
            returned.countDown();
            return b;
        }, (v, e) -> told.complete(e));
        assertTrue(running.await(20, TimeUnit.SECONDS));
        assertTrue(op.cancel());
        assertInstanceOf(CancellationException.class, told.get(20, TimeUnit.SECONDS));
        assertTrue(returned.await(20, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (made.get().refCnt() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, made.get().refCnt(), "the buffer returned after the cancel was not released");
    }

    @Test
    void aPromiseSucceededAfterItsCancelReleasesTheValue() {
        Promise<ByteBuf> p = rt.loop(0).promise(null);
        assertTrue(p.cancel());
        ByteBuf late = Unpooled.buffer(4).writeInt(1);
        assertFalse(p.succeed(late));
        assertEquals(0, late.refCnt());
    }

    @Test
    void theLoserOfARaceOfConnectsIsClosed() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket a = new ServerSocket(0, 50, lo); ServerSocket b = new ServerSocket(0, 50, lo)) {
            Loop loop = rt.loop(0);
            CompletableFuture<TcpConnection> winner = new CompletableFuture<>();
            // A blocked loop lets both connects complete before the race hears of either.
            CountDownLatch hold = new CountDownLatch(1);
            Op<TcpConnection> ca = TcpConnection.connect(rt.loop(1), new InetSocketAddress(lo, a.getLocalPort()),
                    TcpOptions.defaults(), null);
            Op<TcpConnection> cb = TcpConnection.connect(rt.loop(1), new InetSocketAddress(lo, b.getLocalPort()),
                    TcpOptions.defaults(), null);
            Socket sa = a.accept();
            Socket sb = b.accept();
            loop.execute(() -> {
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Ops.race(loop, List.of(ca, cb), (v, e) -> winner.complete(v));
            hold.countDown();
            TcpConnection won = winner.get(20, TimeUnit.SECONDS);
            Socket loserSide = won.remoteAddress().getPort() == a.getLocalPort() ? sb : sa;
            Socket winnerSide = loserSide == sa ? sb : sa;
            loserSide.setSoTimeout(20_000);
            try (InputStream in = loserSide.getInputStream()) {
                assertEquals(-1, in.read(), "the losing connection must be closed");
            }
            assertTrue(won.isOpen(), "the winner stays open");
            winnerSide.close();
        }
    }

    @Test
    void aCombinatorRefusesAChildThatAlreadyHasAListenerBeforeAttachingAnything() throws Exception {
        Loop loop = rt.loop(0);
        Promise<String> free = loop.promise(null);
        Promise<String> taken = loop.promise((v, e) -> {});
        int before = onLoop(loop, loop::pendingOperations);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ops.all(loop, List.of(free, taken), (v, f) -> {}));
        assertTrue(e.getMessage().startsWith("ops[1]: "), e.getMessage());
        assertFalse(free.hasListener(), "an earlier child was attached to a combinator that never started");
        assertEquals(before, onLoop(loop, loop::pendingOperations), "a half-started combinator stayed tracked");
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> Ops.race(loop, List.of(free, free), (v, f) -> {}));
        assertTrue(twice.getMessage().contains("the same operation"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ops.timeout(loop, taken, java.time.Duration.ofSeconds(1), (v, f) -> {}));
        assertEquals(before, onLoop(loop, loop::pendingOperations));
    }
}
