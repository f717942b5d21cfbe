package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A cancelled operation fails with an {@link OperationCancelledException}: a CancellationException to
 * every caller, without the cost of a stack trace per cancellation (the losers of an any, the children
 * of a failed scope) unless {@code weft.cancel.stackTraces} is set.
 */
class OperationCancelledExceptionTest {

    @Test
    void aCancelledOperationFailsWithACancellationThatCarriesNoStack() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            CompletableFuture<Throwable> told = new CompletableFuture<>();
            Promise<String> p = rt.loop(0).promise((v, e) -> told.complete(e));
            assertTrue(p.cancel());
            Throwable e = told.get(20, TimeUnit.SECONDS);
            assertInstanceOf(CancellationException.class, e);
            OperationCancelledException c = assertInstanceOf(OperationCancelledException.class, e);
            assertEquals("operation cancelled", c.getMessage());
            assertEquals(0, c.getStackTrace().length, "a stack was filled in without weft.cancel.stackTraces");
            assertTrue(p.isCancelled());
        }
    }
}
