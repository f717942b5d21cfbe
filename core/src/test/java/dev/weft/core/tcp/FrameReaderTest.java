package dev.weft.core.tcp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The frame reader alone: frames across reads, limits, bad prefixes, truncation, no copies, no leaks. */
class FrameReaderTest {
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private final FrameReader reader = new FrameReader(16);

    @BeforeAll
    static void listenForLeaks() {
        LeakCheck.install();
    }

    @AfterEach
    void release() {
        reader.release();
        LeakCheck.assertNoLeaks();
    }

    @Test
    void cutsSmallFramesThatArriveInOneReadIntoCopiesOfTheirOwn() {
        ByteBuf in = alloc.directBuffer().writeInt(2).writeBytes("hi".getBytes(UTF_8)).writeInt(0).writeInt(3)
                .writeBytes("abc".getBytes(UTF_8));
        reader.append(alloc, in);
        ByteBuf first = reader.next();
        in.setByte(4, 'H'); // a small frame is a copy: it does not hold on to the read buffer
        ByteBuf empty = reader.next();
        ByteBuf third = reader.next();
        assertNull(reader.next());
        assertEquals(0, in.refCnt(), "a fully consumed read buffer must be released, also while its small frames live");
        assertEquals("hi", take(first));
        assertEquals("", take(empty));
        assertEquals("abc", take(third));
    }

    @Test
    void cutsLargeFramesThatArriveInOneReadWithoutCopying() {
        FrameReader large = new FrameReader(4 * SmallFrames.MAX_BYTES);
        int size = SmallFrames.MAX_BYTES + 1;
        ByteBuf in = alloc.directBuffer().writeInt(size).writeZero(size).writeInt(1).writeByte('x');
        large.append(alloc, in);
        ByteBuf first = large.next();
        in.setByte(4, 'H'); // a large frame is a view of what was read, not a copy
        assertEquals('H', first.getByte(0));
        assertEquals(size, first.readableBytes());
        assertEquals("x", take(large.next()));
        assertNull(large.next());
        assertEquals(1, in.refCnt(), "the read buffer lives as long as a large frame cut from it");
        first.release();
        assertEquals(0, in.refCnt(), "a fully consumed read buffer must be released");
        large.release();
    }

    /** Small frames are heap copies; the tests' leak level (PARANOID) still tracks them. */
    @Test
    void aSmallFrameNobodyReleasedIsStillReportedAsALeak() {
        LeakCheck.collect(1); // start from a clean slate
        leakASmallFrame();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(dev.weft.conformance.Outcome.WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (LeakCheck.collect(1).stream().anyMatch(r -> r.contains("small frame leaked by FrameReaderTest"))) {
                return;
            }
        }
        org.junit.jupiter.api.Assertions.fail("a small frame nobody released was not reported by the leak detector");
    }

    private void leakASmallFrame() {
        reader.append(alloc, alloc.directBuffer().writeInt(1).writeByte(7));
        reader.next().touch("small frame leaked by FrameReaderTest");
    }

    @Test
    void waitsForTheRestOfAFrameThatSpansReads() {
        reader.append(alloc, alloc.directBuffer().writeShort(0));
        assertNull(reader.next());
        reader.append(alloc, alloc.directBuffer().writeShort(5).writeBytes("hel".getBytes(UTF_8)));
        assertNull(reader.next());
        reader.append(alloc, alloc.directBuffer().writeBytes("lo".getBytes(UTF_8)));
        assertEquals("hello", take(reader.next()));
        assertNull(reader.next());
    }

    @Test
    void framesStartAtIndexZeroSoAbsoluteReadsSeeThePayload() {
        reader.append(alloc, alloc.directBuffer().writeInt(4).writeInt(42).writeInt(4).writeInt(7));
        ByteBuf first = reader.next();
        ByteBuf second = reader.next();
        assertEquals(0, first.readerIndex());
        assertEquals(42, first.getInt(0), "a frame's index 0 is its first payload byte, not the length prefix");
        assertEquals(7, second.getInt(0));
        first.release();
        second.release();
    }

    @Test
    void refusesAFrameOverTheLimitFromItsLengthPrefixAlone() {
        reader.append(alloc, alloc.directBuffer().writeInt(17));
        FrameTooLargeException e = assertThrows(FrameTooLargeException.class, reader::next);
        assertEquals(17, e.size());
        assertEquals(16, e.limit());
        assertEquals("inbound frame of 17 bytes exceeds the maximum frame size of 16 bytes (TcpOptions.maxFrameSize)",
                e.getMessage());
    }

    @Test
    void refusesANegativeLength() {
        reader.append(alloc, alloc.directBuffer().writeInt(-2));
        CorruptFrameException e = assertThrows(CorruptFrameException.class, reader::next);
        assertTrue(e.getMessage().startsWith("negative frame length -2 (0xfffffffe)"), e.getMessage());
    }

    @Test
    void saysHowMuchOfATruncatedFrameArrived() {
        assertNull(reader.truncation());
        reader.append(alloc, alloc.directBuffer().writeByte(0));
        assertEquals("the peer closed the connection in the middle of a frame: 1 of the 4 bytes of a length prefix arrived",
                reader.truncation().getMessage());
        reader.append(alloc, alloc.directBuffer().writeBytes(new byte[] {0, 0, 10, 1, 2}));
        assertNull(reader.next());
        assertEquals("the peer closed the connection in the middle of a frame: 2 of its 10 bytes arrived",
                reader.truncation().getMessage());
    }

    private static String take(ByteBuf frame) {
        try {
            return frame.toString(UTF_8);
        } finally {
            frame.release();
        }
    }
}
