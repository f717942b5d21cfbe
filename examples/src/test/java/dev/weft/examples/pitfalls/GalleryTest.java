package dev.weft.examples.pitfalls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.LeakCheck;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gallery at its small size: every pair agrees and prints its line (times are not checked). */
class GalleryTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyPairGivesTheSameAnswerAndPrintsItsLine() throws Exception {
        LeakCheck.install();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Harness.Row> rows = Gallery.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), Pitfall.Size.SMALL, "");
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertEquals(Gallery.PITFALLS.size(), rows.size(), out);
        for (Harness.Row r : rows) {
            assertTrue(r.sameAnswer(), r.name() + ": naive " + r.naiveAnswer() + ", fixed " + r.fixedAnswer());
            assertTrue(r.naiveNanos() > 0 && r.fixedNanos() > 0, r.name());
            assertTrue(out.lines().anyMatch(l -> l.startsWith(r.name()) && l.contains("x  yes")), r.name() + ":\n" + out);
            assertTrue(out.contains("    why: " + r.reason()), out);
        }
        // the leak the no-deadline pitfall shows: 50 calls per naive run, 3 runs; none with a scope
        assertTrue(out.contains("live coroutines (virtual threads) after 3 runs: 150 (parked"), out);
        assertTrue(out.contains("live coroutines (virtual threads) after 3 runs: 0"), out);
        assertTrue(out.contains("records held at once: 10,000") && out.contains("records held at once: 2,000"), out);
        assertTrue(out.contains("12 pitfalls in"), out);
        LeakCheck.assertNoLeaks();
    }
}
