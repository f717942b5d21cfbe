package dev.weft.core;

import static dev.weft.conformance.Waits.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The worker pool's meters move with its work, count its refusals, and leave with close(). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerMetersTest {

    static <T> CompletableFuture<T> future(Op<T> op) {
        CompletableFuture<T> f = new CompletableFuture<>();
        op.onComplete((v, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(v);
            }
        });
        return f;
    }

    @Test
    void activeQueuedCompletedAndRejectedMoveAndCloseRemovesThem() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WeftRuntime rt = WeftRuntime.builder().loops(1).workers(1, 1).name("worker-meters").meterRegistry(registry).build();
        try {
            Gauge active = registry.get("executor.active").tags("runtime", "worker-meters", "name", "weft.workers").gauge();
            Gauge queued = registry.get("executor.queued").tags("runtime", "worker-meters", "name", "weft.workers").gauge();
            FunctionCounter completed = registry.get("executor.completed")
                    .tags("runtime", "worker-meters", "name", "weft.workers").functionCounter();
            FunctionCounter rejected = registry.get("weft.workers.rejected").tags("runtime", "worker-meters").functionCounter();
            assertEquals(1, registry.get("executor.pool.max").tags("name", "weft.workers").gauge().value());
            assertEquals(0, rejected.count());

            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Loop loop = rt.loop(0);
            CompletableFuture<String> blocking = future(loop.offload(() -> {
                running.countDown();
                release.await();
                return "first";
            }, null));
            assertTrue(running.await(20, TimeUnit.SECONDS), "the first offload did not start");
            CompletableFuture<String> waiting = future(loop.offload(() -> "second", null));
            awaitTrue(() -> queued.value() == 1, "the second offload was not counted as queued");
            assertEquals(1, active.value());

            ExecutionException full = assertThrows(ExecutionException.class,
                    () -> future(loop.offload(() -> "third", null)).get(20, TimeUnit.SECONDS));
            assertInstanceOf(WorkerPoolFullException.class, full.getCause());
            assertEquals(1, rejected.count());

            release.countDown();
            assertEquals("first", blocking.get(20, TimeUnit.SECONDS));
            assertEquals("second", waiting.get(20, TimeUnit.SECONDS));
            awaitTrue(() -> completed.count() == 2, "the completed offloads were not counted");
            awaitTrue(() -> active.value() == 0 && queued.value() == 0, "the pool did not go idle");
        } finally {
            rt.close();
        }
        assertTrue(registry.find("executor.active").meters().isEmpty(), "executor meters left after close");
        assertTrue(registry.find("executor.completed").meters().isEmpty(), "executor meters left after close");
        assertTrue(registry.find("weft.workers.rejected").meters().isEmpty(), "rejection counter left after close");
        assertTrue(registry.getMeters().isEmpty(), "meters left after close: " + registry.getMeters().stream()
                .map(m -> m.getId().getName()).toList());
    }
}
