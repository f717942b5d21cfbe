package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.internal.HandleSpacers;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A runtime with more than one loop starts idle spacer threads between its loop threads (so that
 * the JVM's per-thread handles of two loops, written on every virtual-thread mount, do not share a
 * cache line), in between and not after, and ends them in close().
 */
class HandleSpacersTest {

    private static List<Thread> named(String prefix) {
        List<Thread> found = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) {
                found.add(t);
            }
        }
        found.sort(Comparator.comparingLong(Thread::threadId));
        return found;
    }

    @Test
    void twoSpacersAreStartedBetweenEachPairOfLoopThreadsAndEndWithClose() throws Exception {
        List<Thread> spacers;
        try (WeftRuntime rt = WeftRuntime.builder().name("spaced").loops(3).build()) {
            spacers = named("spaced-loop-spacer-");
            assertEquals(4, spacers.size(), "two after loop 0, two after loop 1, none after the last: " + spacers);
            long[] loopIds = rt.loops().stream().mapToLong(l -> l.thread().threadId()).toArray();
            // Thread ids follow creation order: loop 0, its two spacers, loop 1, its two, loop 2.
            for (int gap = 0; gap < 2; gap++) {
                for (int j = 0; j < 2; j++) {
                    Thread s = spacers.get(gap * 2 + j);
                    assertEquals("spaced-loop-spacer-" + gap + "-" + j, s.getName());
                    assertTrue(loopIds[gap] < s.threadId() && s.threadId() < loopIds[gap + 1],
                            s.getName() + " must start after loop " + gap + " and before loop " + (gap + 1));
                    assertTrue(s.isDaemon(), s.getName() + " must not keep the JVM alive");
                }
            }
            // An interrupt does not end a spacer: it must keep its handles while the loops run.
            spacers.get(0).interrupt();
            assertFalse(spacers.get(0).join(Duration.ofMillis(200)), "a spacer ended on an interrupt");
        }
        for (Thread s : spacers) {
            assertFalse(s.isAlive(), s.getName() + " still alive after close()");
        }
    }

    @Test
    void aBuildThatFailsAfterTheLoopsStartedLeavesNoThreadBehind() {
        SimpleMeterRegistry refusing = new SimpleMeterRegistry();
        refusing.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                throw new IllegalStateException("refused: " + id.getName());
            }
        });
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> WeftRuntime.builder().name("refused").loops(3).meterRegistry(refusing).build());
        assertTrue(e.getMessage().startsWith("refused: "), e.getMessage());
        // The loops and spacers had started (meters are registered after them): all must end.
        Waits.awaitTrue(() -> named("refused-").isEmpty(), "threads left by a failed build: " + named("refused-"));
    }

    @Test
    void oneLoopHasNoNeighbourAndGetsNoSpacer() {
        try (WeftRuntime rt = WeftRuntime.builder().name("single").loops(1).build()) {
            assertEquals(List.of(), named("single-loop-spacer-"));
        }
    }

    @Test
    void thePropertySetsTheNumberAndRefusesWhatIsNotACount() {
        String old = System.getProperty(WeftRuntime.LOOP_SPACERS_PROPERTY);
        try {
            System.setProperty(WeftRuntime.LOOP_SPACERS_PROPERTY, "0");
            try (WeftRuntime rt = WeftRuntime.builder().name("unspaced").loops(2).build()) {
                assertEquals(List.of(), named("unspaced-loop-spacer-"));
            }
            System.setProperty(WeftRuntime.LOOP_SPACERS_PROPERTY, "3");
            try (WeftRuntime rt = WeftRuntime.builder().name("threespaced").loops(2).build()) {
                assertEquals(3, named("threespaced-loop-spacer-").size());
            }
            for (String bad : List.of("-1", "two")) {
                System.setProperty(WeftRuntime.LOOP_SPACERS_PROPERTY, bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> WeftRuntime.builder().name("badspaced").loops(2).build());
                assertTrue(e.getMessage().contains(WeftRuntime.LOOP_SPACERS_PROPERTY) && e.getMessage().contains(bad), e.getMessage());
                assertEquals(List.of(), named("badspaced-loop"), "a refused build must leave no thread behind");
            }
        } finally {
            if (old == null) {
                System.clearProperty(WeftRuntime.LOOP_SPACERS_PROPERTY);
            } else {
                System.setProperty(WeftRuntime.LOOP_SPACERS_PROPERTY, old);
            }
        }
    }
}
