package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.internal.Contexts;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** WeftContext's own contract, and its place in Micrometer's context-propagation registry. */
class WeftContextTest {
    private static final WeftContext.Key<String> USER = WeftContext.key("user");
    private static final WeftContext.Key<Integer> TRY = WeftContext.key("try");

    @Test
    void valuesAreImmutableAndTyped() {
        WeftContext a = WeftContext.empty().with(USER, "ann");
        WeftContext b = a.with(TRY, 2).with(USER, "bob");
        assertEquals("ann", a.get(USER));
        assertNull(a.get(TRY));
        assertEquals("bob", b.get(USER));
        assertEquals(2, b.get(TRY));
        assertEquals("ann", b.with(USER, "ann").get(USER));
        assertNull(b.with(USER, null).get(USER));
        assertEquals(2, b.with(USER, null).get(TRY));
        assertTrue(a.with(USER, null).isEmpty());
        assertSame(a, a.with(TRY, null), "removing an absent key changes nothing");
        assertEquals("WeftContext{user=bob, try=2}", b.toString());
        NullPointerException npe = assertThrows(NullPointerException.class, () -> a.with(null, "x"));
        assertTrue(npe.getMessage().startsWith("key"), npe.getMessage());
    }

    @Test
    void runAndScopesRestoreThePreviousContextEvenWhenTheyThrow() throws Exception {
        assertTrue(WeftContext.current().isEmpty());
        WeftContext outer = WeftContext.current().with(USER, "outer");
        outer.run(() -> {
            assertEquals("outer", WeftContext.current().get(USER));
            assertThrows(IllegalStateException.class, () -> WeftContext.current().with(USER, "inner").run(() -> {
                assertEquals("inner", WeftContext.current().get(USER));
                throw new IllegalStateException("on purpose");
            }));
            assertEquals("outer", WeftContext.current().get(USER));
            try (WeftContext.Scope s = WeftContext.current().with(TRY, 1).makeCurrent()) {
                assertEquals("outer", WeftContext.current().get(USER));
                assertEquals(1, WeftContext.current().get(TRY));
                s.close();
                s.close(); // idempotent
                assertNull(WeftContext.current().get(TRY));
            }
        });
        assertEquals(3, outer.call(() -> WeftContext.current().get(USER).length() - 2));
        assertTrue(WeftContext.current().isEmpty());
    }

    /** Reactor, Micrometer Tracing and context-propagation's own executors carry it, through the registry. */
    @Test
    void theGlobalContextRegistryCarriesWeftContextAndTheMdc() throws Exception {
        Contexts.capture(); // Weft registers its accessors (WeftContext, whole MDC) once
        ContextSnapshot snapshot;
        MDC.put("k", "v");
        try {
            snapshot = WeftContext.current().with(USER, "ann").call(() ->
                    ContextSnapshotFactory.builder().contextRegistry(ContextRegistry.getInstance()).build().captureAll());
        } finally {
            MDC.remove("k");
        }
        CompletableFuture<String> seen = new CompletableFuture<>();
        Runnable probe = () -> seen.complete(WeftContext.current().get(USER) + "/" + MDC.get("k"));
        Thread t = new Thread(snapshot.wrap(probe));
        t.start();
        assertEquals("ann/v", seen.get(20, TimeUnit.SECONDS));
        t.join(20_000);
    }

    @Test
    void aCaptureOfNothingIsNull() {
        MDC.clear();
        assertNull(Contexts.capture(), "nothing set: nothing captured (the allocation-free path)");
        WeftContext c = WeftContext.current().with(USER, "ann");
        c.run(() -> assertSame(c, Contexts.capture(), "only WeftContext set: the context itself"));
        MDC.put("k", "v");
        try {
            assertTrue(Contexts.capture() instanceof ContextSnapshot, "an MDC entry: a full snapshot");
        } finally {
            MDC.clear();
        }
    }
}
