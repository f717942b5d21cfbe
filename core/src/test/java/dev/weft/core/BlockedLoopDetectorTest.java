package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The blocked-loop detector: each test blocks a loop on purpose for a stated time (that is the event)
 * and expects exactly one report naming the blocking method, then the recovery.
 */
class BlockedLoopDetectorTest {
    private static final Duration THRESHOLD = Duration.ofMillis(100);

    @Test
    void aCallbackThatSleepsIsReportedOnceWithItsStackThenItsRecoveryAndCounted() throws Exception {
        RecordingBlockedLoopHandler h = new RecordingBlockedLoopHandler("sleepInLoopTask");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(new Tee(err, logged), true, StandardCharsets.UTF_8));
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).name("sleepy").meterRegistry(registry)
                .blockedLoopThreshold(THRESHOLD).blockedLoopHandler(h).build()) {
            assertEquals(0.0, registry.get("weft.loop.blocked").tag("loop", "0").functionCounter().count());
            rt.loop(0).execute(BlockedLoopDetectorTest::sleepInLoopTask);
            h.awaitReport();
            h.awaitRecovery();

            assertEquals(1, h.naming().size(), "one report per episode: " + h.blocked);
            BlockedLoop r = h.naming().get(0);
            assertEquals("sleepy", r.runtime());
            assertEquals(0, r.loop());
            assertEquals(rt.loop(0).thread(), r.loopThread());
            assertNull(r.carried(), "a callback, no coroutine");
            assertTrue(r.blockedFor().compareTo(THRESHOLD) >= 0, "reported before the threshold: " + r.blockedFor());
            assertEquals("java.lang.Thread", r.loopStack().get(0).getClassName().replace("$", "."),
                    "the loop thread's innermost frame is the sleep: " + r.loopStack());
            assertEquals(1, h.recoveriesNaming().size());
            assertTrue(h.recoveriesNaming().get(0).blockedFor().compareTo(r.blockedFor()) >= 0);
            assertEquals(1.0, registry.get("weft.loop.blocked").tag("loop", "0").tag("runtime", "sleepy")
                    .functionCounter().count(), "weft.loop.blocked moved with the episode");
        } finally {
            System.setErr(err);
        }
        String log = logged.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("WARN dev.weft.core.BlockedLoopDetector - sleepy: loop 0 (sleepy-loop-0) blocked for"),
                "the WARN line: " + log);
        assertTrue(log.contains("BlockedLoopDetectorTest.sleepInLoopTask("), "the WARN names the method: " + log);
        assertTrue(log.contains("INFO dev.weft.core.BlockedLoopDetector - sleepy: loop 0 (sleepy-loop-0) is back after"
                + " being blocked for about "), "the recovery line: " + log);
    }

    private static void sleepInLoopTask() {
        try {
            Thread.sleep(500); // the event under test: a callback that blocks its loop for 500 ms
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aJoinInsideADependentStageOnTheLoopIsReportedAndRecoversWhenTheFutureCompletes() throws Exception {
        RecordingBlockedLoopHandler h = new RecordingBlockedLoopHandler("joinAllOnTheLoop");
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).blockedLoopThreshold(THRESHOLD).blockedLoopHandler(h).build()) {
            CompletableFuture<String> awaited = new CompletableFuture<>();
            CompletableFuture<Void> trigger = new CompletableFuture<>();
            CompletableFuture<Void> stage = trigger.thenRunAsync(() -> joinAllOnTheLoop(awaited), rt.loop(0));
            trigger.complete(null);
            h.awaitReport();
            assertEquals(0, h.recoveriesNaming().size(), "still blocked: the future is not complete");
            awaited.complete("done"); // ends the episode (on its own, the loop would wait forever)
            h.awaitRecovery();
            stage.get(20, TimeUnit.SECONDS);
            assertEquals(1, h.naming().size(), "one report per episode: " + h.blocked);
            assertEquals(1, h.recoveriesNaming().size());
        }
    }

    private static void joinAllOnTheLoop(CompletableFuture<?> awaited) {
        CompletableFuture.allOf(awaited).join();
    }

    @Test
    void theWatchdogIsADaemonNamedAfterTheRuntimeAndEndsWithClose() {
        WeftRuntime rt = WeftRuntime.builder().loops(1).name("wd").build();
        assertEquals(THRESHOLD, rt.blockedLoopThreshold(), "on by default, 100 ms");
        Thread watchdog = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("wd-watchdog"))
                .findFirst().orElseThrow(() -> new AssertionError("no thread wd-watchdog"));
        assertTrue(watchdog.isDaemon());
        rt.close();
        assertFalse(watchdog.isAlive(), "close() joins the watchdog");
    }

    @Test
    void theDetectorCanBeTurnedOff() {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).name("nowd").disableBlockedLoopDetector().build()) {
            assertEquals(Duration.ZERO, rt.blockedLoopThreshold());
            assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("nowd-watchdog")));
        }
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).blockedLoopThreshold(Duration.ZERO).build()) {
            assertEquals(Duration.ZERO, rt.blockedLoopThreshold());
        }
    }

    @Test
    void badSettingsAreRefusedWithTheirName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeftRuntime.builder().blockedLoopThreshold(Duration.ofMillis(-1)));
        assertEquals("blockedLoopThreshold: PT-0.001S (expected: >= 0)", e.getMessage());
        assertThrows(NullPointerException.class, () -> WeftRuntime.builder().blockedLoopHandler(null));
        assertThrows(IllegalArgumentException.class, () -> WeftRuntime.builder().loopLagProbeInterval(Duration.ZERO));
        String old = System.getProperty(WeftRuntime.BLOCKED_LOOP_THRESHOLD_PROPERTY);
        try {
            System.setProperty(WeftRuntime.BLOCKED_LOOP_THRESHOLD_PROPERTY, "soon");
            e = assertThrows(IllegalArgumentException.class, WeftRuntime::builder);
            assertTrue(e.getMessage().startsWith("weft.blockedLoop.threshold: soon (expected: milliseconds such as 100"),
                    e.getMessage());
            System.setProperty(WeftRuntime.BLOCKED_LOOP_THRESHOLD_PROPERTY, "250");
            try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
                assertEquals(Duration.ofMillis(250), rt.blockedLoopThreshold());
            }
            System.setProperty(WeftRuntime.BLOCKED_LOOP_THRESHOLD_PROPERTY, "0");
            try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
                assertEquals(Duration.ZERO, rt.blockedLoopThreshold());
            }
        } finally {
            if (old == null) {
                System.clearProperty(WeftRuntime.BLOCKED_LOOP_THRESHOLD_PROPERTY);
            } else {
                System.setProperty(WeftRuntime.BLOCKED_LOOP_THRESHOLD_PROPERTY, old);
            }
        }
    }

    /** Writes to two streams (the real stderr, and a copy the test reads). */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
