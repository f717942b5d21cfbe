package dev.weft.core.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.core.Op;
import dev.weft.core.WeftRuntime;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Frames written from a buffer with room in front arrive the same as any other, in order. */
class FrameBufferTest {

    private static <T> T await(Op<T> op) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        op.onComplete((v, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(v);
            }
        });
        return f.get(20, TimeUnit.SECONDS);
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
    void aNegativeCapacityIsRejectedNamingIt() {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FramedConnection.frameBuffer(io.netty.buffer.ByteBufAllocator.DEFAULT, -1));
            assertEquals("capacity: -1 (expected: >= 0)", e.getMessage());
        }
    }
}
