package dev.weft.core.tcp;

import static dev.weft.conformance.Waits.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.core.Op;
import dev.weft.core.WeftRuntime;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Frames written from a buffer with room in front arrive the same as any other, in order; small
 * frames (copied into the connection's coalescing buffer) and large ones (written as they are) mix
 * in order, and the coalescing buffer is bounded by the write buffer's high water mark.
 */
class FrameBufferTest {

    /** Over FramedConnection.COALESCE_MAX_FRAME_BYTES: written as an outbound entry of its own, not copied. */
    private static final int LARGE = FramedConnection.COALESCE_MAX_FRAME_BYTES + 500;

    /** Text of about {@code size} characters: {@code text}, padded with dots. */
    private static String padded(String text, int size) {
        return size <= text.length() ? text : text + ".".repeat(size - text.length());
    }


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
                // Small and large frames interleaved: coalesced ones and entries of their own keep their order.
                String text = padded("frame " + i, i % 3 == 2 ? LARGE : 0);
                ByteBuf b = i % 2 == 0 ? c.frameBuffer(64) : c.alloc().buffer();
                b.writeInt(i).writeCharSequence(text, StandardCharsets.UTF_8);
                replies.add(c.request(b, null));
            }
            for (int i = 0; i < replies.size(); i++) {
                ByteBuf r = await(replies.get(i));
                try {
                    assertEquals(padded("frame " + i, i % 3 == 2 ? LARGE : 0), r.toString(StandardCharsets.UTF_8));
                } finally {
                    r.release();
                }
            }
            await(c.close(null));
            await(server.close(null));
        }
    }

    /**
     * Small frames are copied into the coalescing buffer a long, an int and bytes at a time: every
     * length around those steps, from every kind of buffer (a frame buffer, a direct buffer, a slice
     * at an offset whose head was consumed, a little-endian view), arrives byte for byte, on the way out (client) and
     * back (the server echoes slices of its read buffer).
     */
    @Test
    void smallFramesOfEveryLengthAndKindArriveByteForByte() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            TcpServer server = await(TcpServer.bind(rt.loop(0), TcpOptions.defaults(), x -> x.reply(x.request().retain()), null));
            TcpConnection c = await(TcpConnection.connect(rt.loop(0), server.localAddress(), TcpOptions.defaults(), null));
            List<Op<ByteBuf>> replies = new ArrayList<>();
            List<byte[]> sent = new ArrayList<>();
            int maxLength = FramedConnection.COPY_BY_LONGS_MAX_BYTES + 12;
            for (int length = 0; length <= maxLength; length++) {
                byte[] bytes = new byte[length];
                for (int i = 0; i < length; i++) {
                    bytes[i] = (byte) (length * 31 + i * 7 + 1);
                }
                for (int kind = 0; kind < 4; kind++) {
                    ByteBuf b = switch (kind) {
                        case 0 -> c.frameBuffer(length).writeBytes(bytes);
                        case 1 -> c.alloc().directBuffer(length).writeBytes(bytes);
                        case 2 -> {
                            ByteBuf whole = c.alloc().directBuffer(length + 5).writeBytes(new byte[] {9, 9, 9, 9, 9}).writeBytes(bytes);
                            ByteBuf slice = whole.retainedSlice(2, length + 3).skipBytes(3); // at an offset, its head consumed
                            whole.release();
                            yield slice;
                        }
                        default -> c.frameBuffer(length).order(ByteOrder.LITTLE_ENDIAN).writeBytes(bytes);
                    };
                    sent.add(bytes);
                    replies.add(c.request(b, null));
                }
            }
            for (int i = 0; i < replies.size(); i++) {
                ByteBuf r = await(replies.get(i));
                try {
                    byte[] got = new byte[r.readableBytes()];
                    r.getBytes(r.readerIndex(), got);
                    assertArrayEquals(sent.get(i), got,
                            "frame " + i + " (length " + sent.get(i).length + ", kind " + i % 4 + ")");
                } finally {
                    r.release();
                }
            }
            await(c.close(null));
            await(server.close(null));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, LARGE})
    void theBytesBeforeASharedPayloadsReaderIndexAreNeverOverwritten(int size) throws Exception {
        String reply = padded("reply", size);
        String mine = padded("request", size);
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            // A cached reply that the handler sends as duplicates, past a header of its own.
            ByteBuf shared = ByteBufAllocator.DEFAULT.directBuffer();
            shared.writeCharSequence("HEAD" + reply, StandardCharsets.UTF_8);
            TcpHandler cachedReply = x -> x.reply(shared.retainedDuplicate().skipBytes(4));
            TcpServer server = await(TcpServer.bind(rt.loop(0), TcpOptions.defaults(), cachedReply, null));
            TcpConnection c = await(TcpConnection.connect(rt.loop(0), server.localAddress(), TcpOptions.defaults(), null));
            ByteBuf request = ByteBufAllocator.DEFAULT.directBuffer();
            request.writeCharSequence("MINE" + mine, StandardCharsets.UTF_8);
            try {
                List<ByteBuf> views = List.of(request.retainedDuplicate().skipBytes(4),
                        request.retainedSlice(0, request.readableBytes()).skipBytes(4));
                for (ByteBuf view : views) {
                    ByteBuf r = await(c.request(view, null));
                    try {
                        assertEquals(reply, r.toString(StandardCharsets.UTF_8));
                    } finally {
                        r.release();
                    }
                    assertEquals("HEAD" + reply, shared.toString(StandardCharsets.UTF_8), "the server overwrote a shared reply's bytes");
                    assertEquals("MINE" + mine, request.toString(StandardCharsets.UTF_8), "the client overwrote a shared request's bytes");
                }
            } finally {
                request.release();
                shared.release();
            }
            await(c.close(null));
            await(server.close(null));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, LARGE})
    void aFrameBufferWhoseReaderIndexMovedIsSentWithASeparateHeader(int size) throws Exception {
        String keep = padded("keep", size);
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            TcpServer server = await(TcpServer.bind(rt.loop(0), TcpOptions.defaults(), x -> x.reply(x.request().retain()), null));
            TcpConnection c = await(TcpConnection.connect(rt.loop(0), server.localAddress(), TcpOptions.defaults(), null));
            ByteBuf b = c.frameBuffer(16);
            b.writeCharSequence("skip" + keep, StandardCharsets.UTF_8);
            b.skipBytes(4);
            ByteBuf r = await(c.request(b, null));
            try {
                assertEquals(keep, r.toString(StandardCharsets.UTF_8));
            } finally {
                r.release();
            }
            await(c.close(null));
            await(server.close(null));
        }
    }

    /** Small frame buffers are unpooled heap buffers; the tests' leak level (PARANOID) still tracks them. */
    @Test
    void aSmallFrameBufferNobodyReleasedIsStillReportedAsALeak() {
        dev.weft.conformance.LeakCheck.install();
        dev.weft.conformance.LeakCheck.collect(1); // start from a clean slate
        leakASmallFrameBuffer();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(dev.weft.conformance.Outcome.WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (dev.weft.conformance.LeakCheck.collect(1).stream().anyMatch(r -> r.contains("leaked by FrameBufferTest"))) {
                return;
            }
        }
        org.junit.jupiter.api.Assertions.fail("a small frame buffer nobody released was not reported by the leak detector");
    }

    private static void leakASmallFrameBuffer() {
        ByteBuf b = FramedConnection.frameBuffer(ByteBufAllocator.DEFAULT, 8).writeLong(42);
        org.junit.jupiter.api.Assertions.assertFalse(b.isDirect(), "expected a heap buffer for a small frame");
        b.touch("leaked by FrameBufferTest");
    }

    @Test
    void aNegativeCapacityIsRejectedNamingIt() {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FramedConnection.frameBuffer(ByteBufAllocator.DEFAULT, -1));
            assertEquals("capacity: -1 (expected: >= 0)", e.getMessage());
        }
    }

    /**
     * Small frames written in one turn of the loop are coalesced into one buffer, which is bounded by
     * the room below the high water mark: to a peer that reads nothing, one burst of them still makes
     * the connection unwritable and the next request fails with ConnectionBusyException, as without
     * coalescing (an unbounded coalescing buffer would take the whole burst and refuse nothing).
     */
    @Test
    void aBurstOfSmallFramesToAPeerThatDoesNotReadIsRefusedAtTheHighWaterMark() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build();
                dev.weft.conformance.RawServer deaf = dev.weft.conformance.RawServer.listen(4096)) {
            TcpOptions opts = TcpOptions.builder().writeBufferWaterMarks(8 * 1024, 32 * 1024).maxPendingRequests(1_000_000).build();
            TcpConnection c = await(TcpConnection.connect(rt.loop(0), deaf.address(), opts, null));
            try (dev.weft.conformance.RawSocket peer = deaf.accept()) { // and never read
                CompletableFuture<Object[]> burst = new CompletableFuture<>();
                // 1000-byte frames (small enough to be coalesced), all from one task on the loop: no
                // loop turn flushes between them.
                rt.loop(0).execute(() -> {
                    for (int i = 0; i < 50_000; i++) {
                        ByteBuf b = c.frameBuffer(1000);
                        b.writeZero(1000);
                        Op<ByteBuf> op = c.request(b, null); // inline on the loop: a refusal is done at once
                        if (op.isDone()) {
                            burst.complete(new Object[] {i, c.isWritable(), op.failureNow()});
                            return;
                        }
                    }
                    burst.complete(new Object[] {-1, c.isWritable(), null});
                });
                Object[] r = burst.get(20, TimeUnit.SECONDS);
                org.junit.jupiter.api.Assertions.assertTrue((int) r[0] > 0, "never refused: the coalescing buffer took the whole burst");
                assertEquals(false, r[1], "refused while writable");
                org.junit.jupiter.api.Assertions.assertInstanceOf(ConnectionBusyException.class, r[2]);
                await(c.close(null));
            }
        }
    }
}
