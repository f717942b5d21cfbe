package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.WeftRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A coroutine whose failure nothing takes is logged once (WARN with the stack) and counted, as a
 * thread's uncaught exception would be; a failure that is awaited, combined or listened to is not,
 * however quickly the body failed.
 */
class UnobservedFailureTest {
    private static final String REPORT = "failed and nothing took its outcome";

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void aFailureNothingTakesIsLoggedOnceAndCountedWhenTheCoroutineIsDropped(CoroutineScheduler scheduler) throws Exception {
        assumeTrue(scheduler == CoroutineScheduler.DEFAULT || Coroutines.loopAffineAvailable(),
                "needs --add-opens (this is the fallback JVM)");
        String marker = "dropped-" + scheduler + "-" + System.nanoTime();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Captured err = Captured.stderr(); WeftRuntime rt = WeftRuntime.builder().loops(1).meterRegistry(registry).build()) {
            Coroutines co = Coroutines.of(rt, scheduler);
            launchAndForget(co, marker);
            Waits.awaitTrue(() -> co.stats().completed() == 1, "the failing coroutine did not end");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (co.stats().unobservedFailures() == 0 && System.nanoTime() < deadline) {
                System.gc(); // the report comes when the coroutine has become unreachable
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            assertEquals(1, co.stats().unobservedFailures());
            assertEquals(1, co.stats(rt.loop(0)).unobservedFailures());
            assertEquals(1.0, registry.find("weft.coroutines.failures.unobserved").functionCounter().count());
            rt.close();
            assertEquals(1, co.stats().unobservedFailures(), "reported again at close");
            String log = err.text();
            assertEquals(1, count(log, REPORT), log);
            assertTrue(log.contains("IllegalStateException: " + marker), "the failure and its stack: " + log);
            assertTrue(log.contains("WARN"), log);
        }
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void takenFailuresAreNotReportedAndAKeptUntakenOneIsReportedAtClose(CoroutineScheduler scheduler) throws Exception {
        assumeTrue(scheduler == CoroutineScheduler.DEFAULT || Coroutines.loopAffineAvailable(),
                "needs --add-opens (this is the fallback JVM)");
        String marker = "taken-" + scheduler + "-" + System.nanoTime();
        try (Captured err = Captured.stderr(); WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, scheduler);
            // Launched, failed, then awaited: the normal pattern with a body quick to fail.
            Coroutine<Object> awaitedLate = co.launch(failing(marker));
            Waits.awaitTrue(awaitedLate::isDone, "the coroutine did not fail");
            assertThrows(IllegalStateException.class, () -> co.await(awaitedLate));
            // Awaited before it failed, from another coroutine.
            CompletableFuture<Void> go = new CompletableFuture<>();
            Coroutine<Object> awaitedFirst = co.launch(() -> {
                go.join();
                throw new IllegalStateException(marker);
            });
            Coroutine<Throwable> awaiter = co.launch(() -> {
                try {
                    co.await(awaitedFirst);
                    return null;
                } catch (IllegalStateException expected) {
                    return expected;
                }
            });
            Waits.awaitTrue(awaitedFirst::hasListener, "the awaiter never attached");
            go.complete(null);
            assertTrue(co.await(awaiter) instanceof IllegalStateException);
            // Given a listener after it failed, kept until close.
            Coroutine<Object> listenedLate = co.launch(failing(marker));
            Waits.awaitTrue(listenedLate::isDone, "the coroutine did not fail");
            CompletableFuture<Throwable> told = new CompletableFuture<>();
            listenedLate.onComplete((v, e) -> told.complete(e));
            assertTrue(told.get(20, TimeUnit.SECONDS) instanceof IllegalStateException);
            // Children of combinators, failing at once.
            assertThrows(IllegalStateException.class, () -> co.all(List.of(failing(marker), failing(marker))));
            assertThrows(RuntimeException.class, () -> co.any(List.of(failing(marker))));
            assertThrows(IllegalStateException.class, () -> co.race(List.of(failing(marker))));
            assertThrows(IllegalStateException.class, () -> co.withTimeout(java.time.Duration.ofSeconds(20), failing(marker)));
            // Cancelled: never a report.
            Coroutine<Object> cancelled = co.launch(() -> {
                throw new CancellationException(marker);
            });
            // And one that fails, is kept, and is never taken: reported when the runtime closes.
            Coroutine<Object> kept = co.launch(failing("kept-" + marker));
            Waits.awaitTrue(() -> cancelled.isDone() && kept.isDone() && co.liveCoroutines() == 0, "coroutines did not end");
            for (int i = 0; i < 3; i++) {
                System.gc(); // what was taken must not be reported when it is collected either
            }
            rt.close();
            assertEquals(1, co.stats().unobservedFailures(), err.text());
            assertEquals(1, count(err.text(), REPORT), err.text());
            assertTrue(err.text().contains("IllegalStateException: kept-" + marker), err.text());
            assertTrue(kept.isFailed());
        }
    }

    private static void launchAndForget(Coroutines co, String marker) {
        co.launch(failing(marker));
    }

    private static Callable<Object> failing(String message) {
        return () -> {
            throw new IllegalStateException(message);
        };
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** Everything written to System.err while open (slf4j-simple looks System.err up at every line), also passed on. */
    private static final class Captured implements AutoCloseable {
        private final PrintStream original;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        private Captured(PrintStream original) {
            this.original = original;
        }

        static Captured stderr() {
            Captured c = new Captured(System.err);
            OutputStream tee = new OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (c.bytes) {
                        c.bytes.write(b);
                    }
                    c.original.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (c.bytes) {
                        c.bytes.write(b, off, len);
                    }
                    c.original.write(b, off, len);
                }
            };
            System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
            return c;
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() {
            System.setErr(original);
        }
    }
}
