package dev.weft.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The leak check that the TCP suite runs after every test does catch a leaked buffer. */
class LeakCheckTest {

    @Test
    void aLeakedBufferIsReported() {
        LeakCheck.install();
        LeakCheck.collect(1); // start from a clean slate
        leakOne();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Outcome.WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            List<String> found = LeakCheck.collect(1);
            if (found.stream().anyMatch(r -> r.contains("deliberately leaked by LeakCheckTest"))) {
                assertTrue(found.get(0).contains("ByteBuf leaked"), found.get(0));
                return;
            }
        }
        fail("Netty's leak detector did not report a deliberately leaked buffer within " + Outcome.WAIT_SECONDS + " s");
    }

    private static void leakOne() {
        ByteBuf leaked = ByteBufAllocator.DEFAULT.directBuffer(8).writeLong(42);
        leaked.touch("deliberately leaked by LeakCheckTest");
    }
}
