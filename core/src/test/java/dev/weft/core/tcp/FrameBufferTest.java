package dev.weft.core.tcp;

import static dev.weft.conformance.Waits.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.core.Op;
import dev.weft.core.WeftRuntime;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Frames written from a buffer with room in front arrive the same as any other, in order. */
class FrameBufferTest {


    @Test
    void framesWithHeadroomAndWithoutArriveIntactAndInOrder() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            // The handler reads a 4-byte tag off the request and echoes the rest: the reply it hands
            // back has 4 consumed bytes in front, so the server writes its prefix there too.
            TcpHandler tagStripper = x -> {
                ByteBuf req = x.request();
                req.readInt();
                x.reply(req.retain());
            };
            TcpServer server = await(TcpServer.bind(rt.loop(0), TcpOptions.defaults(), tagStripper, null));
            TcpConnection c = await(TcpConnection.connect(rt.loop(0), server.localAddress(), TcpOptions.defaults(), null));
            List<Op<ByteBuf>> replies = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String text = "frame " + i;
                ByteBuf b = i % 2 == 0 ? c.frameBuffer(64) : c.alloc().buffer();
                b.writeInt(i).writeCharSequence(text, StandardCharsets.UTF_8);
                replies.add(c.request(b, null));
            }
            for (int i = 0; i < replies.size(); i++) {
                ByteBuf r = await(replies.get(i));
                try {
                    assertEquals("frame " + i, r.toString(StandardCharsets.UTF_8));
                } finally {
                    r.release();
                }
            }
            await(c.close(null));
            await(server.close(null));
        }
    }

    @Test
    void theBytesBeforeASharedPayloadsReaderIndexAreNeverOverwritten() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            // A cached reply that the handler sends as duplicates, past a header of its own.
            ByteBuf shared = ByteBufAllocator.DEFAULT.directBuffer();
            shared.writeCharSequence("HEADreply", StandardCharsets.UTF_8);
            TcpHandler cachedReply = x -> x.reply(shared.retainedDuplicate().skipBytes(4));
            TcpServer server = await(TcpServer.bind(rt.loop(0), TcpOptions.defaults(), cachedReply, null));
            TcpConnection c = await(TcpConnection.connect(rt.loop(0), server.localAddress(), TcpOptions.defaults(), null));
            ByteBuf request = ByteBufAllocator.DEFAULT.directBuffer();
            request.writeCharSequence("MINErequest", StandardCharsets.UTF_8);
            try {
                List<ByteBuf> views = List.of(request.retainedDuplicate().skipBytes(4),
                        request.retainedSlice(0, request.readableBytes()).skipBytes(4));
                for (ByteBuf view : views) {
                    ByteBuf r = await(c.request(view, null));
                    try {
                        assertEquals("reply", r.toString(StandardCharsets.UTF_8));
                    } finally {
                        r.release();
                    }
                    assertEquals("HEADreply", shared.toString(StandardCharsets.UTF_8), "the server overwrote a shared reply's bytes");
                    assertEquals("MINErequest", request.toString(StandardCharsets.UTF_8), "the client overwrote a shared request's bytes");
                }
            } finally {
                request.release();
                shared.release();
            }
            await(c.close(null));
            await(server.close(null));
        }
    }

    @Test
    void aFrameBufferWhoseReaderIndexMovedIsSentWithASeparateHeader() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            TcpServer server = await(TcpServer.bind(rt.loop(0), TcpOptions.defaults(), x -> x.reply(x.request().retain()), null));
            TcpConnection c = await(TcpConnection.connect(rt.loop(0), server.localAddress(), TcpOptions.defaults(), null));
            ByteBuf b = c.frameBuffer(16);
            b.writeCharSequence("skipkeep", StandardCharsets.UTF_8);
            b.skipBytes(4);
            ByteBuf r = await(c.request(b, null));
            try {
                assertEquals("keep", r.toString(StandardCharsets.UTF_8));
            } finally {
                r.release();
            }
            await(c.close(null));
            await(server.close(null));
        }
    }

    @Test
    void aNegativeCapacityIsRejectedNamingIt() {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FramedConnection.frameBuffer(ByteBufAllocator.DEFAULT, -1));
            assertEquals("capacity: -1 (expected: >= 0)", e.getMessage());
        }
    }
}
