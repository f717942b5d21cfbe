package dev.weft.bench;

import dev.weft.core.Loop;
import dev.weft.core.Transport;
import dev.weft.core.WeftRuntime;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * {@code floor-netty}: the yardstick of {@code --io tcp}. Plain Netty, no Weft code on the request
 * path, moving the same bytes over the same shape as the Weft variants: N tasks of K sequential
 * request/replies, each request the 8 bytes of a Weft frame (a 4-byte length 4, then the step's
 * value), over the same number of pipelined connections spread the same way over the same loops,
 * to an echo server on its own one-thread loop. It is the least work that does that, not a competitor:
 * every choice below is the cheapest honest one, with its reason.
 *
 * <ul>
 *   <li>Client channels are registered on the Weft runtime's own Netty event loops
 *       ({@link Loop#eventLoop()}): the same threads, the same transport (epoll or NIO) and the same
 *       loop machinery as the Weft variants, and tasks are started the same way (one task per loop).</li>
 *   <li>Requests written in one turn of the loop are coalesced into one buffer per connection and
 *       flushed once: at {@code channelReadComplete} for the requests that replies triggered (as Weft
 *       flushes), by one flush task per connection for the first burst (as Weft's scheduled flush).
 *       No promise (the void promise), no per-request object: a task is its own state machine.</li>
 *   <li>Fixed-size messages: a reply is the next 8 bytes; no length is parsed, no frame is sliced.
 *       A reply split by a read is carried over in two fields (it happens only at read boundaries).</li>
 *   <li>The echo server echoes raw bytes: each read buffer is written back as it is and flushed at
 *       {@code channelReadComplete}; it never looks at frames (Weft's echo cuts and answers frames).</li>
 *   <li>Replies are matched to tasks in FIFO order per connection (TCP keeps the order), like Weft's
 *       pipelining; a task's step value is {@link Steps#compute}, so the checksum is verified too.</li>
 *   <li>No bound on the coalescing buffer: a connection never has more than its tasks' one request
 *       each in flight (N / connections x 8 bytes), which is the bound.</li>
 * </ul>
 */
final class NettyFloorWorkload extends Workload {
    /** Bytes of one request and one reply: a Weft frame carrying one int (length prefix 4, value). */
    static final int MESSAGE_BYTES = 8;

    private final EventLoopGroup serverGroup;
    private final Channel serverChannel;
    /** [loop][i], spread like {@link EchoServer#connect}. */
    private final FloorConnection[][] conns;
    private final Channel[] channels;

    NettyFloorWorkload(WeftRuntime rt, ScenarioOptions o) {
        super(rt, o);
        boolean epoll = rt.transport() == Transport.EPOLL;
        // The echo server on its own single-thread loop, as Weft's echo server runs on its own one-loop runtime.
        serverGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("floor-echo"),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        serverChannel = new ServerBootstrap().group(serverGroup)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new RawEcho());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        InetSocketAddress address = (InetSocketAddress) serverChannel.localAddress();
        int loops = rt.loops().size();
        conns = new FloorConnection[loops][];
        java.util.List<Channel> all = new java.util.ArrayList<>();
        for (Loop l : rt.loops()) {
            int mine = Math.max(1, o.connections / loops + (l.index() < o.connections % loops ? 1 : 0));
            conns[l.index()] = new FloorConnection[mine];
            for (int i = 0; i < mine; i++) {
                FloorConnection c = new FloorConnection();
                Channel ch = new Bootstrap().group(l.eventLoop())
                        .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .handler(c)
                        .connect(address).syncUninterruptibly().channel();
                conns[l.index()][i] = c;
                all.add(ch);
            }
        }
        channels = all.toArray(new Channel[0]);
    }

    @Override
    String unavailable() {
        return io == ScenarioOptions.Io.TCP ? null : "floor-netty is the floor of --io tcp only";
    }

    @Override
    void start(Loop loop, int id, Sink sink) {
        FloorConnection[] mine = conns[loop.index()];
        // The same task -> connection mapping as Workload.connection().
        new FloorTask(this, mine[(id / conns.length) % mine.length], id, sink).next();
    }

    @Override
    public void close() {
        for (Channel ch : channels) {
            ch.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
        serverChannel.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        super.close();
    }

    /** One task: K sequential request/replies, its own state (no per-step object). Loop-confined. */
    private static final class FloorTask {
        private final NettyFloorWorkload w;
        private final FloorConnection conn;
        private final int id;
        private final Sink sink;
        private int step;
        private long sum;

        FloorTask(NettyFloorWorkload w, FloorConnection conn, int id, Sink sink) {
            this.w = w;
            this.conn = conn;
            this.id = id;
            this.sink = sink;
        }

        void next() {
            conn.request(this, Steps.compute(id, step, w.workIters));
        }

        void replied(int value) {
            sum += value;
            if (++step < w.k) {
                next();
            } else {
                sink.done(sum);
            }
        }
    }

    /** The client end of one connection. Every field is confined to the channel's event loop. */
    private static final class FloorConnection extends ChannelInboundHandlerAdapter {
        private final ArrayDeque<FloorTask> awaiting = new ArrayDeque<>(256);
        private final Runnable flushTask = this::scheduledFlush;
        private ChannelHandlerContext ctx;
        /** Requests written this turn, not yet flushed; null when there are none. */
        private ByteBuf out;
        private boolean reading;
        private boolean flushScheduled;
        /** Bytes of a reply split by a read, and how many of its 8 arrived. */
        private long partial;
        private int partialBytes;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        void request(FloorTask task, int value) {
            if (out == null) {
                out = ctx.alloc().ioBuffer(256);
            }
            out.writeInt(4).writeInt(value);
            awaiting.add(task);
            if (!reading && !flushScheduled) {
                flushScheduled = true;
                ctx.channel().eventLoop().execute(flushTask);
            }
        }

        private void scheduledFlush() {
            flushScheduled = false;
            flush();
        }

        private void flush() {
            ByteBuf b = out;
            if (b != null) {
                out = null;
                ctx.writeAndFlush(b, ctx.voidPromise());
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            reading = true;
            ByteBuf in = (ByteBuf) msg;
            try {
                while (partialBytes > 0 && in.isReadable()) {
                    partial = partial << 8 | in.readUnsignedByte();
                    if (++partialBytes == MESSAGE_BYTES) {
                        partialBytes = 0;
                        awaiting.poll().replied((int) partial);
                    }
                }
                while (in.readableBytes() >= MESSAGE_BYTES) {
                    awaiting.poll().replied((int) in.readLong());
                }
                while (in.isReadable()) {
                    partial = partial << 8 | in.readUnsignedByte();
                    partialBytes++;
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            reading = false;
            flush();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (out != null) {
                out.release();
                out = null;
            }
        }
    }

    /** The echo server's handler: every read buffer goes back as it is, flushed once per read burst. */
    private static final class RawEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
