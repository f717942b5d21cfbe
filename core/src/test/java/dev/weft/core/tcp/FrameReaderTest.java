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
    void cutsFramesThatArriveInOneReadWithoutCopying() {
        ByteBuf in = alloc.directBuffer().writeInt(2).writeBytes("hi".getBytes(UTF_8)).writeInt(0).writeInt(3)
                .writeBytes("abc".getBytes(UTF_8));
        reader.append(alloc, in);
        ByteBuf first = reader.next();
        in.setByte(4, 'H'); // the frame is a view of what was read, not a copy
        assertEquals("Hi", take(first));
        assertEquals("", take(reader.next()));
        assertEquals("abc", take(reader.next()));
        assertNull(reader.next());
        assertEquals(0, in.refCnt(), "a fully consumed read buffer must be released");
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
