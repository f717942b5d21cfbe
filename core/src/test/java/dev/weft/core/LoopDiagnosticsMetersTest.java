package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.Waits;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The diagnostics' meters move when their event happens: loop lag, utilisation, pinned virtual threads. */
class LoopDiagnosticsMetersTest {

    @Test
    void lagRecordsEveryProbeAndHowLongABlockedLoopMadeItWait() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).name("lag").meterRegistry(registry)
                .loopLagProbeInterval(Duration.ofMillis(20)).disableBlockedLoopDetector().build()) {
            Timer lag = registry.get("weft.loop.lag").tag("runtime", "lag").tag("loop", "0").timer();
            Waits.awaitTrue(() -> lag.count() >= 3, "the probe did not run");
            rt.loop(0).execute(() -> sleep(300)); // the event: the loop blocked for 300 ms
            // The probe due during the block runs at least 300 - 20 ms late.
            Waits.awaitTrue(() -> lag.max(TimeUnit.MILLISECONDS) >= 280, "lag did not show the blocked loop");
            assertTrue(lag.takeSnapshot().percentileValues().length > 0, "percentiles are published");
        }
        assertTrue(registry.find("weft.loop.lag").timers().isEmpty(), "close() removes the meters");
    }

    @Test
    void utilisationRisesWhileTheLoopComputesAndFallsWhenItIdles() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).name("util").meterRegistry(registry)
                .loopLagProbeInterval(Duration.ofMillis(50)).disableBlockedLoopDetector().build()) {
            Gauge util = registry.get("weft.loop.utilization").tag("runtime", "util").tag("loop", "0").gauge();
            Loop loop = rt.loop(0);
            AtomicBoolean busy = new AtomicBoolean(true);
            // The event: the loop computes 10 ms per iteration, every iteration, until told to stop.
            Runnable[] spin = new Runnable[1];
            spin[0] = () -> {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                if (busy.get()) {
                    loop.tick(() -> { spin[0].run(); return null; }, null);
                }
            };
            loop.execute(spin[0]);
            Waits.awaitTrue(() -> util.value() > 0.5, "utilisation did not rise while the loop computed");
            busy.set(false);
            Waits.awaitTrue(() -> util.value() < 0.5, "utilisation did not fall when the loop went idle");
        }
    }

    @Test
    void pinningOfAVirtualThreadNoLoopCarriesIsCountedForTheRuntimeAndTheStreamStopsWithClose() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WeftRuntime rt = WeftRuntime.builder().loops(1).name("pinned").meterRegistry(registry).reportPinning(true).build();
        try {
            assertEquals(0.0, registry.get("weft.coroutines.pinned").tag("loop", "none").functionCounter().count());
            Thread vt = Thread.ofVirtual().start(() -> {
                int unused = PinsInItsInitialiser.VALUE;
            });
            vt.join(TimeUnit.SECONDS.toMillis(20));
            Waits.awaitTrue(() -> registry.get("weft.coroutines.pinned").tag("loop", "none").functionCounter().count() >= 1,
                    "the pinned virtual thread was not counted");
            assertEquals(0.0, registry.get("weft.coroutines.pinned").tag("loop", "0").functionCounter().count(),
                    "a virtual thread of the default scheduler is not the loop's");
        } finally {
            rt.close();
        }
        assertTrue(registry.find("weft.coroutines.pinned").meters().isEmpty(), "close() removes the meters");
    }

    @Test
    void aBuildThatFailsAfterThePinningStreamStartedStopsIt() {
        Set<String> before = jfrStreamThreads();
        AtomicReference<Set<String>> atFailure = new AtomicReference<>(Set.of());
        SimpleMeterRegistry refusing = new SimpleMeterRegistry();
        refusing.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (id.getName().equals("weft.loop.lag")) { // registered after the pinning stream started
                    atFailure.set(jfrStreamThreads());
                    throw new IllegalStateException("refused: " + id.getName());
                }
                return id;
            }
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> WeftRuntime.builder()
                .loops(1).name("pinfail").meterRegistry(refusing).reportPinning(true).build());
        assertEquals("refused: weft.loop.lag", e.getMessage());
        // Else the test would pass without testing anything (a JVM without JFR streaming, a renamed
        // thread, or the meter registered before the stream starts).
        assertFalse(before.containsAll(atFailure.get()),
                "no new JFR stream thread was running when the build failed: " + atFailure.get() + ", before: " + before);
        // Each JFR stream runs on a thread of its own, numbered: the failed build's must end.
        Waits.awaitTrue(() -> before.containsAll(jfrStreamThreads()),
                "the failed build left its JFR pinning stream running: " + jfrStreamThreads() + ", before: " + before);
        assertTrue(refusing.getMeters().isEmpty(), "the failed build left meters: " + refusing.getMeters());
    }

    private static Set<String> jfrStreamThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("JFR Event Stream")).collect(Collectors.toSet());
    }

    /** A virtual thread that sleeps in a class initialiser pins its carrier (a native frame on its stack). */
    private static final class PinsInItsInitialiser {
        static final int VALUE;

        static {
            sleep(60); // pinned for 60 ms: beyond the 20 ms threshold
            VALUE = 1;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
