package dev.weft.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's example runs, and every style gets the same answer. */
class EachStyleTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyStyleGetsTheSameAnswer() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int sum = EachStyle.run(new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals(3 * 42, sum);
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("callbacks: 42, futures: 42, coroutines: 42"), text);
        assertTrue(text.contains("coroutines on LOOP_AFFINE"), text);
    }
}
