package dev.weft.core.tcp;

import dev.weft.core.OpListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * A request: one frame out, its reply in. Cancelling it after it was written cannot unsend it: the
 * operation completes cancelled at once, and its reply, when it comes, is read and released (its
 * slot in the pending queue keeps the replies behind it matched to the right requests).
 */
final class RequestOp extends FrameOp<ByteBuf> {

    RequestOp(ClientChannel connection, ByteBuf request, OpListener<? super ByteBuf> listener) {
        super(connection, request, listener);
    }

    @Override
    ChannelPromise writePromise(ChannelHandlerContext ctx) {
        return ctx.voidPromise(); // a failed write closes the connection, which fails this request
    }

    @Override
    void replied(ByteBuf reply) {
        complete(reply); // cancelled or timed out after it was written: complete() releases the reply
    }
}
