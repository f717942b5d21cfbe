package dev.weft.core.tcp;

import dev.weft.core.Op;
import dev.weft.core.OpListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * A client operation that writes one frame and takes the next reply off the connection: a request
 * (the reply is its value) or a send (the reply is dropped). While written and unanswered it sits in
 * its connection's pending queue, in write order, which is also the order replies arrive in.
 */
abstract class FrameOp<T> extends Op<T> implements Runnable {
    final ClientChannel connection;
    /** The frame to write; handed over on the loop by {@link #run()}. */
    private ByteBuf payload;

    FrameOp(ClientChannel connection, ByteBuf payload, OpListener<? super T> listener) {
        super(connection.loop, listener);
        this.connection = connection;
        this.payload = payload;
    }

    /** Starts it on its loop: inline when called there, else through the loop's queue. */
    final void start() {
        connection.loop.runNowOrLater(this);
    }

    /** On the loop: write the frame, unless cancelled meanwhile (then only release it). */
    @Override
    public final void run() {
        ByteBuf p = payload;
        payload = null;
        if (p == null) {
            return;
        }
        if (isDone()) {
            p.release();
            return;
        }
        connection.write(this, p);
    }

    /** The promise to write the frame with (a void promise when nobody needs to know). */
    abstract ChannelPromise writePromise(ChannelHandlerContext ctx);

    /** The reply matched to this operation, owned by the callee from now on. */
    abstract void replied(ByteBuf reply);

    final void failWith(Throwable failure) {
        fail(failure);
    }
}
