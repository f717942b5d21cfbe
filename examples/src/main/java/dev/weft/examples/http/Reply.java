package dev.weft.examples.http;

import dev.weft.core.RuntimeClosedException;
import dev.weft.core.WorkerPoolFullException;
import dev.weft.core.tcp.ConnectionBusyException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/**
 * The answer to one HTTP request, sent once, from any thread (Netty hands a write from elsewhere to
 * the channel's loop; in this service every handler ends on that loop anyway). A write to a channel
 * that closed meanwhile fails quietly and releases the response.
 */
final class Reply {
    private static final String TEXT = "text/plain; charset=utf-8";

    private final Channel channel;
    private final boolean keepAlive;

    Reply(Channel channel, boolean keepAlive) {
        this.channel = channel;
        this.keepAlive = keepAlive;
    }

    /** 200 with {@code body} as plain text. */
    void ok(CharSequence body) {
        send(HttpResponseStatus.OK, TEXT, body);
    }

    /**
     * The failure of a handler: 503 when Weft pushed back (a downstream connection at its limit of
     * requests in flight, a full worker pool, the runtime closing), 500 otherwise.
     */
    void fail(Throwable failure) {
        if (failure instanceof CompletionException && failure.getCause() != null) {
            failure = failure.getCause(); // what a CompletableFuture stage wraps
        }
        boolean pushedBack = failure instanceof ConnectionBusyException || failure instanceof WorkerPoolFullException
                || failure instanceof CancellationException || failure instanceof RuntimeClosedException;
        send(pushedBack ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.INTERNAL_SERVER_ERROR, TEXT,
                failure + "\n");
    }

    /** Any status, with {@code body} encoded as UTF-8. */
    void send(HttpResponseStatus status, String contentType, CharSequence body) {
        ByteBuf content = ByteBufUtil.writeUtf8(channel.alloc(), body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture written = channel.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
