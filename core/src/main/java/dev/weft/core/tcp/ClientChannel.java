package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.RuntimeClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The client end of a connection: writes requests and matches each reply to the oldest request
 * still waiting, with a plain queue confined to the loop (replies come back in request order).
 */
final class ClientChannel extends FramedConnection {
    /** Written and unanswered requests and sends, oldest first. Loop-confined. */
    private final ArrayDeque<FrameOp<?>> pending;
    final TcpConnection api;

    ClientChannel(Loop loop, TcpOptions options, Channel channel, InetSocketAddress remote) {
        super(loop, options, channel, remote, null, TcpMeters.client(loop));
        this.pending = new ArrayDeque<>(Math.min(options.maxPendingRequests(), 64));
        this.api = new TcpConnection(this);
    }

    /** On the loop: writes {@code op}'s frame, or fails it at once, releasing the frame, when it may not be written. */
    void write(FrameOp<?> op, ByteBuf frame) {
        Throwable refused = refusal(frame);
        if (refused != null) {
            frame.release();
            op.failWith(refused);
            return;
        }
        pending.add(op);
        if (meters != null) {
            meters.requests++;
            startTimes.add(System.nanoTime());
        }
        writeFrame(frame, op.writePromise(ctx));
    }

    private Throwable refusal(ByteBuf frame) {
        if (!loop.isLoopThread()) {
            // Only the sweep after the loops stopped runs operations elsewhere.
            return new RuntimeClosedException("runtime '" + loop.runtime().name() + "' is closed: the connection to "
                    + remote + " was closed with it and nothing was sent");
        }
        if (isClosing()) {
            return closedFailure("; nothing was sent");
        }
        int size = frame.readableBytes();
        if (size > options.maxFrameSize()) {
            if (meters != null) {
                meters.refusedOversize++;
            }
            return new FrameTooLargeException("outbound frame", size, options.maxFrameSize());
        }
        if (pending.size() >= options.maxPendingRequests()) {
            if (meters != null) {
                meters.refusedBusy++;
            }
            return ConnectionBusyException.tooManyPending(remote, options.maxPendingRequests());
        }
        if (!channel.isWritable()) {
            if (meters != null) {
                meters.refusedBusy++;
            }
            ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
            return ConnectionBusyException.writeBufferFull(remote, out == null ? 0 : out.totalPendingWriteBytes(),
                    options.writeBufferHighWaterMark());
        }
        return null;
    }

    @Override
    void onFrame(ByteBuf reply) {
        FrameOp<?> op = pending.poll();
        if (op == null) {
            int size = reply.readableBytes();
            reply.release();
            closeWith(CloseReason.CORRUPT_FRAME, "was closed", new CorruptFrameException("the peer sent a frame of " + size
                    + " bytes while no request awaited a reply"));
            return;
        }
        if (meters != null) {
            meters.replies++;
            meters.latency.record(System.nanoTime() - startTimes.poll(), TimeUnit.NANOSECONDS);
        }
        op.replied(reply);
    }

    @Override
    void onClosing() {
        if (startTimes != null) {
            startTimes.clear();
        }
        if (pending.isEmpty()) {
            return;
        }
        Throwable why = closedFailure("; the reply to this request will not arrive");
        for (FrameOp<?> op; (op = pending.poll()) != null; ) {
            op.failWith(why);
        }
    }

    /** On the loop: close() of the user. */
    Future<Void> closeByUser() {
        closeWith(CloseReason.CLOSE, "was closed by close()", null);
        return channel.closeFuture();
    }

    /** Racy off the loop. */
    int pendingCount() {
        return pending.size();
    }
}
