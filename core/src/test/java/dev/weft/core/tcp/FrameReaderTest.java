package dev.weft.core.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Frames cut from the bytes read keep their own length prefix in front of their reader index, so
 * that handing one back (an echo) writes it as one buffer; frames spanning reads included.
 */
class FrameReaderTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static void frame(ByteBuf out, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length).writeBytes(b);
    }

    private static void assertFrame(ByteBuf f, String text) {
        try {
            int length = text.getBytes(StandardCharsets.UTF_8).length;
            assertEquals(FrameReader.HEADER_BYTES, f.readerIndex(), "the prefix stays in front as headroom");
            assertEquals(length, f.getInt(0), "the headroom holds the frame's own prefix");
            assertEquals(text, f.toString(StandardCharsets.UTF_8));
        } finally {
            f.release();
        }
    }

    @Test
    void framesKeepTheirPrefixAsHeadroomWithinOneReadAndAcrossReads() {
        FrameReader reader = new FrameReader(1024);
        ByteBuf read1 = Unpooled.buffer();
        frame(read1, "first");
        frame(read1, "second");
        read1.writeInt(5).writeBytes("th".getBytes(StandardCharsets.UTF_8)); // "third" split across reads
        reader.append(ALLOC, read1);
        assertFrame(reader.next(), "first");
        assertFrame(reader.next(), "second");
        assertNull(reader.next(), "a partial frame is not cut");
        reader.append(ALLOC, Unpooled.copiedBuffer("ird", StandardCharsets.UTF_8));
        assertFrame(reader.next(), "third");
        assertNull(reader.next());
        assertEquals(0, read1.refCnt(), "every byte read was released once its frames were");
    }
}
