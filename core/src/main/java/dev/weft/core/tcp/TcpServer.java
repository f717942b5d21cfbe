package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.OpListener;
import dev.weft.core.RuntimeClosedException;
import dev.weft.core.internal.Checks;
import dev.weft.core.internal.Contexts;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening socket that serves Weft's framing (a 4-byte big-endian length, then the bytes): each
 * inbound frame is a request, handed to a {@link TcpHandler} as a {@link TcpExchange}; each reply
 * goes back as one frame, in request order (pipelining). This is the core API, written once; each
 * style's facade accepts its own kind of handler.
 *
 * <p><b>Loops.</b> The listening socket lives on the loop it was bound on. Accepted connections are
 * spread over all the runtime's loops, round-robin; all the work of one connection (reading,
 * handling, replying) stays on its loop.
 *
 * <p><b>Backpressure.</b> A connection with {@link TcpOptions#maxPendingRequests()} requests in
 * flight, or whose peer does not read its replies (the write buffer is over its high water
 * mark), stops being read until that changes; TCP flow control pushes back on the client.
 *
 * <p><b>Faults.</b> A length prefix over {@link TcpOptions#maxFrameSize()} or negative closes that
 * connection after the replies to the requests before it (nothing after it is read; logged at
 * DEBUG); so does a failing handler (logged at WARN). A peer that closes in the middle of a frame
 * just closes. The server and its other connections go on. A handler whose connection closes
 * before it replied is cancelled ({@link TcpExchange#onCancel()}). See {@link TcpExchange} for
 * buffer ownership.
 *
 * <p>Every method may be called from any thread.
 */
public final class TcpServer {
    private static final Logger log = LoggerFactory.getLogger(TcpServer.class);

    private final Loop loop;
    private final TcpOptions options;
    final TcpHandler handler;
    /**
     * The context of the {@code bind} call (Contexts.capture; null if none): current in every call of
     * the handler, so that what a handler starts carries it too. Final.
     */
    final Object handlerContext;
    final ServerChannel channel;
    /** Accepted connections (thread-safe; closed channels leave by themselves; stays closed once closed). */
    private final ChannelGroup connections;
    private final Lifetime lifetime;
    /** Written once on the listening loop when bound; read by any thread. */
    private volatile InetSocketAddress localAddress;
    /** Set once by any thread that closes the server (close(), runtime close); read by the acceptor and new connections. */
    private volatile boolean closing;
    /** What its connections' incomplete inbound frames may hold, all together (TcpOptions.maxPartialFrameBytes). */
    final PartialFrameBudget partialFrameBudget;
    /** Connections closed because a frame took longer than TcpOptions.frameTimeout; any loop. */
    final AtomicLong frameTimeouts = new AtomicLong();
    /** The runtime's TCP meters, or {@code null} without a registry. */
    final TcpMeters meters;
    /** Handlers that failed with RuntimeClosedException since the last close summary; any loop. */
    private final AtomicInteger endedByRuntimeClose = new AtomicInteger();

    private TcpServer(Loop loop, TcpOptions options, TcpHandler handler, Object handlerContext) {
        this.handlerContext = handlerContext;
        this.loop = loop;
        this.options = options;
        this.handler = handler;
        this.channel = Transports.serverSocket(loop.runtime().transport());
        this.connections = new DefaultChannelGroup("weft-tcp-server", loop.eventLoop(), true);
        this.lifetime = new Lifetime(loop, closed -> closeNow());
        this.partialFrameBudget = new PartialFrameBudget(options.maxPartialFrameBytes());
        this.meters = TcpMeters.of(loop.runtime());
        channel.config().setOption(ChannelOption.SO_REUSEADDR, true);
        channel.pipeline().addLast(new Acceptor(this));
    }

    /**
     * Listens on {@link TcpOptions#bindAddress()} (loopback, ephemeral port, unless set) and serves
     * every connection with {@code handler}. Completes with the running server once it listens;
     * fails with {@link TcpBindException} if the address cannot be bound. Cancelling before then
     * closes the socket.
     *
     * @throws RuntimeClosedException if the runtime is closed
     */
    public static Op<TcpServer> bind(Loop loop, TcpOptions options, TcpHandler handler,
            OpListener<? super TcpServer> listener) {
        Checks.notNull(loop, "loop");
        Checks.notNull(options, "options");
        Checks.notNull(handler, "handler");
        loop.runtime().ensureOpen();
        BindOp op = new BindOp(loop, options, handler, Contexts.capture(), listener);
        op.start();
        return op;
    }

    /** On the loop: makes the server and its listening channel (not registered yet). */
    static TcpServer create(Loop loop, TcpOptions options, TcpHandler handler, Object handlerContext) {
        return new TcpServer(loop, options, handler, handlerContext);
    }

    /** On the loop, once bound. */
    void started() {
        localAddress = (InetSocketAddress) channel.localAddress();
        lifetime.start();
        channel.closeFuture().addListener((ChannelFutureListener) f -> lifetime.ended());
    }

    /**
     * Stops listening and closes every connection it accepted: their pending replies are dropped and
     * their clients' requests fail with {@link ConnectionClosedException}. Completes once every socket
     * is closed. Closing a closed server completes at once.
     *
     * @throws RuntimeClosedException if the runtime is closed (its servers are closed already)
     */
    public Op<Void> close(OpListener<? super Void> listener) {
        loop.runtime().ensureOpen();
        CloseOp op = new CloseOp(loop, this::closeNow, listener);
        op.start();
        return op;
    }

    /** Any thread. */
    Future<Void> closeNow() {
        closing = true;
        Promise<Void> done = loop.eventLoop().newPromise();
        channel.close().addListener(f -> connections.close().addListener(g -> {
            int ended = endedByRuntimeClose.getAndSet(0);
            if (ended > 0) {
                log.debug("server {}: {} request handlers ended with RuntimeClosedException as the runtime closed"
                        + " (expected at shutdown; their connections were closed)", localAddress, ended);
            }
            done.trySuccess(null);
        }));
        return done;
    }

    /**
     * Any loop: a handler failed with {@link RuntimeClosedException}. That is how handlers end at
     * shutdown, so it is counted and logged once, at DEBUG, when the server has closed (a shutdown
     * with many requests in flight would otherwise log a warning with a stack for each).
     */
    void handlerEndedByRuntimeClose() {
        endedByRuntimeClose.incrementAndGet();
    }

    /** On the connection's loop, once it is active. */
    void connectionOpened(Channel child) {
        connections.add(child); // closes it at once if the group was closed already
        if (closing) {
            child.close();
        }
    }

    /** Whether close() (or the runtime's) has begun. Any thread. */
    boolean isClosing() {
        return closing;
    }

    /** The address it listens on (with the port it got when bound to port 0). */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The loop of the listening socket. */
    public Loop loop() {
        return loop;
    }

    public TcpOptions options() {
        return options;
    }

    /** Whether it is still listening. */
    public boolean isOpen() {
        return channel.isActive() && !closing;
    }

    /** The connections open now. */
    public int connections() {
        return connections.size();
    }

    /**
     * Connections closed so far because the buffer of an incomplete inbound frame would have taken the
     * buffers of all its connections' incomplete frames over {@link TcpOptions#maxPartialFrameBytes()}.
     */
    public long closedOverPartialFrameBudget() {
        return partialFrameBudget.refusals();
    }

    /** Connections closed so far because an inbound frame took longer than {@link TcpOptions#frameTimeout()} to arrive. */
    public long closedForFrameTimeout() {
        return frameTimeouts.get();
    }

    /** Bytes of buffers held now for incomplete inbound frames, across its connections (at most {@link TcpOptions#maxPartialFrameBytes()}). */
    public long partialFrameBytes() {
        return partialFrameBudget.used();
    }

    @Override
    public String toString() {
        return "TcpServer[" + localAddress + (isOpen() ? "" : ", closed") + ", " + connections() + " connections]";
    }

    /** Takes accepted sockets on the listening loop and hands each to a loop, round-robin. */
    private static final class Acceptor extends ChannelInboundHandlerAdapter {
        private static final ChannelFutureListener CLOSE_IF_NOT_REGISTERED = f -> {
            if (!f.isSuccess()) {
                log.warn("an accepted connection could not be registered on its loop; closing it", f.cause());
                f.channel().unsafe().closeForcibly();
            }
        };

        private final TcpServer server;
        /** Loop-confined (the listening loop). */
        private int next;

        Acceptor(TcpServer server) {
            this.server = server;
            this.next = server.loop.index();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            if (server.closing) {
                child.unsafe().closeForcibly();
                return;
            }
            List<Loop> loops = server.loop.runtime().loops();
            Loop loop = loops.get(next++ % loops.size());
            if (next == loops.size()) {
                next = 0;
            }
            try {
                child.config().setOption(ChannelOption.TCP_NODELAY, true);
                child.config().setWriteBufferWaterMark(server.options.waterMark);
                child.pipeline().addLast(new ServerConnection(server, loop, child, (InetSocketAddress) child.remoteAddress()));
                loop.eventLoop().register(child).addListener(CLOSE_IF_NOT_REGISTERED);
            } catch (Throwable t) {
                log.warn("server {}: could not set up an accepted connection; closing it", server.localAddress, t);
                child.unsafe().closeForcibly();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Typically "too many open files": pause accepting for a second rather than spin (as Netty's acceptor does).
            log.warn("server {}: accepting failed; pausing accepts for 1 s", server.localAddress, cause);
            ctx.channel().config().setAutoRead(false);
            ctx.channel().eventLoop().schedule(() -> ctx.channel().config().setAutoRead(true), 1, TimeUnit.SECONDS);
        }
    }
}
