package dev.weft.examples.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.LeakCheck;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The three-style accounts program: every style gets the same answers, and nothing leaks. */
class AccountsTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyStyleGetsTheSameOutcomesAndNothingLeaks() throws Exception {
        LeakCheck.install();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // A generous deadline, and slow lookups far past it: the outcomes do not depend on the machine's speed.
        Accounts.Result r = Accounts.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                Duration.ofSeconds(2), Duration.ofSeconds(4));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertEquals(List.of("callbacks", "futures", "coroutines"), List.copyOf(r.lines().keySet()), out);
        r.lines().forEach((style, lines) -> {
            String ada = lines.get(0), bob = lines.get(1).replace("cancelled*", "cancelled"),
                    cy = lines.get(2).replace("cancelled*", "cancelled");
            // futures: a cancelled lookup's stages are cancelled, its whenComplete never runs ("cancelled*")
            assertTrue(ada.contains("total 159.75") && ada.contains("ada-1 120.00, ada-2 34.50, ada-3 5.25"),
                    style + ": " + ada);
            assertTrue(bob.contains("LookupFailedException: account bob-2 is frozen")
                    && bob.contains("bob-1 10.00, bob-2 failed (account bob-2 is frozen), bob-3 cancelled"),
                    style + ": " + bob);
            assertTrue(cy.contains("OperationTimeoutException") && cy.contains("PT2S")
                    && cy.contains("cy-1 1.00, cy-2 cancelled, cy-3 cancelled"), style + ": " + cy);
        });
        assertEquals(0, r.pendingRequests(), out);
        assertEquals(0, r.pendingOperations(), out);
        assertEquals(0, r.liveCoroutines(), out);
        // up to 9 (bob-3, cy-2, cy-3 per style): a lookup cancelled before it was written never reaches the bank
        assertTrue(out.matches("(?s).*the bank answered [0-9] slow lookups after their callers gave up.*"), out);
        LeakCheck.assertNoLeaks();
    }
}
