package dev.weft.core.tcp;

import dev.weft.core.OpListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * A fire-and-forget frame: completes once the frame was written to the socket. Weft's wire format
 * has no one-way frames, so the server answers it like any request; that reply is read and released
 * when it arrives, and until then the send counts against {@link TcpOptions#maxPendingRequests()}.
 */
final class SendOp extends FrameOp<Void> implements ChannelFutureListener {

    SendOp(ClientChannel connection, ByteBuf frame, OpListener<? super Void> listener) {
        super(connection, frame, listener);
    }

    @Override
    ChannelPromise writePromise(ChannelHandlerContext ctx) {
        return ctx.newPromise().addListener(this);
    }

    @Override
    public void operationComplete(ChannelFuture f) {
        if (f.isSuccess()) {
            complete(null);
        } else {
            fail(new ConnectionClosedException("connection to " + connection.remote
                    + " failed while the frame was being written: " + f.cause().getMessage(), f.cause()));
        }
    }

    @Override
    void replied(ByteBuf reply) {
        reply.release();
    }
}
