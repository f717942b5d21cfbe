package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.FieldLayout;

/**
 * The loop-confined counters, written on every resume by one loop, have 64 bytes of the object on
 * each side in this JVM's real layout (the object header counts before them): nothing else (another loop's counters, the array or facade
 * another loop reads on its resumes) can share their cache line, wherever the allocator or a
 * collection puts the object.
 */
class LoopCountersLayoutTest {

    @Test
    void theLoopConfinedCountersArePaddedOnBothSides() {
        ClassLayout layout = ClassLayout.parseClass(LoopCounters.class);
        long first = Long.MAX_VALUE;
        long end = 0;
        for (FieldLayout f : layout.fields()) {
            if (f.name().equals("resumes") || f.name().equals("parks")) {
                first = Math.min(first, f.offset());
                end = Math.max(end, f.offset() + f.size());
            }
        }
        assertTrue(end > 0, "no resumes/parks field in\n" + layout.toPrintable());
        assertTrue(first >= 64, "only " + first + " bytes before the counters:\n" + layout.toPrintable());
        assertTrue(layout.instanceSize() - end >= 64,
                "only " + (layout.instanceSize() - end) + " bytes after the counters:\n" + layout.toPrintable());
    }
}
