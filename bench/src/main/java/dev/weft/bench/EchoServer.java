package dev.weft.bench;

import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpExchange;
import dev.weft.core.tcp.TcpHandler;
import dev.weft.core.tcp.TcpOptions;
import dev.weft.core.tcp.TcpServer;
import dev.weft.core.Loop;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * For {@code --io tcp}: an in-process echo server on its own one-loop runtime (the same for every
 * variant, written once against core so only the client's style varies), and the helpers that open
 * a variant's client connections and encode and decode a step's value.
 */
final class EchoServer implements AutoCloseable {
    private final WeftRuntime rt;
    private final TcpServer server;
    final TcpOptions options;

    EchoServer(int maxPending) {
        options = TcpOptions.builder().maxPendingRequests(maxPending).build();
        rt = WeftRuntime.builder().loops(1).name("bench-echo").build();
        TcpHandler echo = (TcpExchange x) -> x.reply(x.request().retain());
        server = await(TcpServer.bind(rt.loop(0), options, echo, null));
    }

    InetSocketAddress address() {
        return server.localAddress();
    }

    /** {@code count} connections from {@code client}, spread over its loops; [loop][i]. */
    TcpConnection[][] connect(WeftRuntime client, int count) {
        int loops = client.loops().size();
        TcpConnection[][] out = new TcpConnection[loops][];
        for (Loop l : client.loops()) {
            int mine = Math.max(1, count / loops + (l.index() < count % loops ? 1 : 0));
            out[l.index()] = new TcpConnection[mine];
            for (int i = 0; i < mine; i++) {
                out[l.index()][i] = await(TcpConnection.connect(l, address(), options, null));
            }
        }
        return out;
    }

    static ByteBuf encode(TcpConnection c, int value) {
        return c.frameBuffer(4).writeInt(value);
    }

    /** The value in a reply, which is released here. */
    static int decode(ByteBuf reply) {
        try {
            return reply.readInt();
        } finally {
            reply.release();
        }
    }

    private static <T> T await(dev.weft.core.Op<T> op) {
        CompletableFuture<T> f = new CompletableFuture<>();
        op.onComplete((v, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(v);
            }
        });
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("echo rig: " + e, e);
        }
    }

    @Override
    public void close() {
        rt.close();
    }
}
