package com.example.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.callbacks.Callbacks;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpServer;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import dev.weft.futures.WeftFuture;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Weft used from outside its build: a coroutine server, a pipelined futures client, a callbacks timer. */
class KvCacheTest {

    @Test
    void manyPipelinedRequestsForOneKeyLoadItOnce() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(2).build()) {
            Coroutines co = Coroutines.of(rt);
            assertEquals(CoroutineScheduler.LOOP_AFFINE, co.scheduler(),
                    "the documented --add-opens flag did not reach the test JVM: " + co.fallbackReason());

            CountDownLatch slowBackend = new CountDownLatch(1);
            KvCache cache = new KvCache(co, key -> {
                try {
                    slowBackend.await(10, TimeUnit.SECONDS); // every request arrives before the load ends
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return key.toUpperCase();
            });
            TcpServer server = cache.serve();

            // A stats printer in callback style, on a repeating timer.
            AtomicInteger ticks = new AtomicInteger();
            Callbacks cb = Callbacks.of(rt);
            var printer = cb.every(Duration.ofMillis(5), ticks::incrementAndGet, (v, e) -> {});

            Futures fu = Futures.of(rt);
            TcpConnection conn = fu.connect(server.localAddress()).get(10, TimeUnit.SECONDS);
            List<WeftFuture<ByteBuf>> replies = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ByteBuf key = conn.alloc().buffer().writeBytes("weft".getBytes(StandardCharsets.UTF_8));
                replies.add(fu.request(conn, key));
            }
            slowBackend.countDown();
            for (WeftFuture<ByteBuf> r : replies) {
                ByteBuf value = r.get(10, TimeUnit.SECONDS);
                try {
                    assertEquals("WEFT", value.toString(StandardCharsets.UTF_8));
                } finally {
                    value.release();
                }
            }
            assertEquals(1, cache.loads(), "single flight: one load for 50 concurrent requests");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ticks.get() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(ticks.get() >= 2, "the repeating timer did not tick");
            printer.cancel();
            fu.close(conn).get(10, TimeUnit.SECONDS);
        }
    }
}
