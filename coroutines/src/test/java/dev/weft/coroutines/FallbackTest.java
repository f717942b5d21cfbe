package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.CoroutineScheduler;
import dev.weft.core.WeftRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The scheduler a facade gets is the one this JVM allows, and a fallback says so (accessor, reason
 * naming the flag, metric tag). Runs in both Surefire executions: with --add-opens (loop-affine) and
 * without it (-Dweft.test.fallback=true, default scheduler).
 */
class FallbackTest {
    private final boolean opened = !Boolean.getBoolean("weft.test.fallback");

    @Test
    void theFacadeReportsWhichSchedulerItGotAndWhy() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).meterRegistry(registry).build()) {
            Coroutines co = Coroutines.of(rt);
            assertEquals(CoroutineScheduler.LOOP_AFFINE, co.requestedScheduler());
            if (opened) {
                assertEquals(CoroutineScheduler.LOOP_AFFINE, co.scheduler());
                assertNull(co.fallbackReason());
            } else {
                assertEquals(CoroutineScheduler.DEFAULT, co.scheduler());
                assertNotNull(co.fallbackReason());
                assertTrue(co.fallbackReason().contains("--add-opens java.base/java.lang=ALL-UNNAMED"), co.fallbackReason());
            }
            assertNotNull(registry.find("weft.coroutines.started").tag("fallback", Boolean.toString(!opened))
                    .tag("scheduler", co.scheduler().name().toLowerCase()).functionCounter());
            // And it works either way.
            Coroutine<Integer> c = co.launch(() -> {
                co.delay(Duration.ofMillis(1));
                return co.submit(() -> 41) + 1;
            });
            assertEquals(42, co.await(c));
        }
    }
}
