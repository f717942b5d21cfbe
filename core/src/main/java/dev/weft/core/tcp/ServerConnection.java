package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.RuntimeClosedException;
import dev.weft.core.internal.Contexts;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server end of a connection: one {@link TcpExchange} per request, kept in arrival order until
 * its reply can go out (replies leave in request order, whatever order handlers finish in).
 *
 * <p>Backpressure: with {@link TcpOptions#maxPendingRequests()} exchanges in flight, or while the
 * channel is unwritable (the peer does not read its replies), or with
 * {@link TcpOptions#maxPendingRequestsWhenWorkersBusy()} in flight while the runtime's worker pool
 * has a backlog, the connection stops taking frames and stops reading the socket; TCP flow control
 * then pushes back on the peer. Nothing is queued beyond that bound except the bytes of one read,
 * which wait in the frame reader. A connection at the worker bound that takes that many more frames
 * holds the rest until a later turn of the loop, so that handlers which start their work later (a
 * coroutine) have offloaded before the pool is looked at again: its requests in flight exceed the
 * worker bound by at most that bound again before it stops.
 */
final class ServerConnection extends FramedConnection {
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);

    private final TcpServer server;
    private final TcpHandler handler;
    /** Requests being handled or whose replies wait for earlier ones, oldest first. Loop-confined. */
    private final ArrayDeque<TcpExchange> inFlight;
    /** The bad frame that ended the input; the connection closes once the requests before it are answered. Loop-confined. */
    private TcpException badInput;
    private final Runnable resumeTask = this::resume;
    /** Frames taken with maxPendingRequestsWhenWorkersBusy or more in flight since the pool was last looked at. Loop-confined. */
    private int takenAtShare;

    ServerConnection(TcpServer server, Loop loop, Channel channel, InetSocketAddress remote) {
        super(loop, server.options(), channel, remote, server.partialFrameBudget, TcpMeters.server(server.meters, loop));
        this.server = server;
        this.handler = server.handler;
        this.inFlight = new ArrayDeque<>(Math.min(options.maxPendingRequests(), 64));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        opened();
        server.connectionOpened(channel); // closes it again if the server is closing
    }

    @Override
    void onFrame(ByteBuf request) {
        TcpExchange ex;
        try {
            ex = handler.newExchange();
        } catch (Throwable t) {
            request.release();
            handlerFailed(t);
            return;
        }
        ex.begin(this, request);
        inFlight.add(ex);
        if (meters != null) {
            meters.requests++;
            startTimes.add(System.nanoTime());
        }
        int n = inFlight.size();
        if (n >= options.maxPendingRequests()) {
            pauseReading(true);
        } else if (n >= options.maxPendingRequestsWhenWorkersBusy()
                && ++takenAtShare >= options.maxPendingRequestsWhenWorkersBusy()) {
            // That many taken with that many in flight: let the handlers started so far begin their
            // work (a coroutine offloads on a later turn of the loop), then look at the pool again.
            hold();
            loop.execute(resumeTask);
        }
        // A frame arrives on the loop outside any continuation (the thread is clean): make the serve
        // call's context current for the handler, which hands it on to whatever it starts.
        Object context = server.handlerContext;
        Object token = context == null ? null : Contexts.enter(context, false);
        try {
            handler.handle(ex);
        } catch (Throwable t) {
            ex.onComplete(null, t);
        } finally {
            if (token != null) {
                Contexts.exit(token);
            }
        }
    }

    /** On the loop, exactly once per exchange: its handler completed. Writes every reply now due. */
    void exchangeDone(TcpExchange done) {
        done.releaseRequest();
        if (isClosing()) {
            ByteBuf r = done.takeReply();
            if (r != null) {
                r.release();
            }
            return;
        }
        done.settled = true;
        TcpExchange head;
        while ((head = inFlight.peek()) != null && head.settled) {
            inFlight.poll();
            long started = meters == null ? 0 : startTimes.poll();
            Throwable failure = head.failure();
            ByteBuf reply = head.takeReply();
            if (failure == null && reply == null) {
                failure = new NullPointerException("reply: null (expected: a ByteBuf; reply with an empty buffer for an empty reply)");
            } else if (failure == null && reply.readableBytes() > options.maxFrameSize()) {
                failure = new FrameTooLargeException("reply", reply.readableBytes(), options.maxFrameSize());
                reply.release();
                if (meters != null) {
                    meters.refusedOversize++;
                }
            }
            if (failure != null) {
                handlerFailed(failure);
                return;
            }
            if (meters != null) {
                meters.replies++;
                meters.latency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            }
            writeFrame(reply, ctx.voidPromise());
        }
        if (badInput != null) {
            closeIfAnswered();
        } else {
            updateReading();
        }
    }

    /**
     * Answers what was validly asked before the bad frame (as a failed handler does for the requests
     * before it), then closes: the requests in flight go on, their replies go out in order, and the
     * last one closes the connection. Nothing more is read meanwhile.
     */
    @Override
    void badFrame(TcpException bad) {
        badInput = bad;
        pauseReading(true);
        closeIfAnswered();
    }

    private void closeIfAnswered() {
        if (inFlight.isEmpty()) {
            closeAfterFlush(CloseReason.of(badInput), "was closed", badInput);
        }
    }

    private void handlerFailed(Throwable failure) {
        CloseReason why = CloseReason.HANDLER_FAILED;
        if (endedByRuntimeClose(failure)) {
            server.handlerEndedByRuntimeClose(); // expected at shutdown: counted, logged once at DEBUG
            why = CloseReason.RUNTIME_CLOSED;
        } else {
            log.warn("request handler of server {} failed for a request from {}; closing that connection after the"
                    + " replies before it (the wire format has no error frame)", server.localAddress(), remote, failure);
        }
        closeAfterFlush(why, "was closed because a request handler failed", failure);
    }

    /** Whether a handler failed because the runtime is closing (its operations fail with RuntimeClosedException). */
    private static boolean endedByRuntimeClose(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 32; depth++) { // bounded: a cause chain may be a cycle
            if (t instanceof RuntimeClosedException) {
                return true;
            }
            t = t.getCause();
        }
        return false;
    }

    private void updateReading() {
        int n = inFlight.size();
        pauseReading(n >= options.maxPendingRequests() || !channel.isWritable()
                || n >= options.maxPendingRequestsWhenWorkersBusy() && workersBusy());
    }

    /**
     * Every worker is busy and offloads wait for one (queued, or being handed to the pool): the next
     * ones may be refused.
     */
    private boolean workersBusy() {
        return loop.runtime().offloadBacklog() > 0;
    }

    /** A later turn of the loop after {@link #onFrame} held the frames: look at the bounds again, then go on. */
    private void resume() {
        takenAtShare = 0;
        unhold();
        if (isClosing() || badInput != null) {
            return;
        }
        updateReading();
        takeFrames(); // does nothing while paused (pauseReading(false) takes them itself)
    }

    @Override
    void frameTimedOut() {
        server.frameTimeouts.incrementAndGet();
    }

    @Override
    boolean closedLocally() {
        return server.isClosing();
    }

    @Override
    void writabilityChanged() {
        if (!isClosing() && badInput == null) {
            updateReading();
        }
    }

    @Override
    void onClosing() {
        if (startTimes != null) {
            startTimes.clear();
        }
        // Exchanges still being handled are cancelled (nobody will read their replies) and release
        // their buffers when they complete (exchangeDone), whether the cancel completes them or not.
        for (TcpExchange ex; (ex = inFlight.poll()) != null; ) {
            if (ex.settled) {
                ByteBuf r = ex.takeReply();
                if (r != null) {
                    r.release();
                }
            } else {
                ex.cancel();
            }
        }
        log.debug("server {}: {}", server.localAddress(), describeClose());
    }
}
