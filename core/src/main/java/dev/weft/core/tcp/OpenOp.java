package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.OpListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;

/**
 * Opens a socket in two steps, register on the loop then connect or bind, as one operation: the
 * shape {@link ConnectOp} and {@link BindOp} share. One object is the start task and the listener
 * of both steps. Cancelling (or close()) closes the half-open socket; a socket that opens after the
 * operation was cancelled is closed too.
 */
abstract class OpenOp<T> extends Op<T> implements Runnable, ChannelFutureListener {
    /** Set on the loop; read by a cancelling thread (closing a channel is thread-safe). */
    private volatile Channel channel;
    /** Loop-confined: the first step is done. */
    private boolean registered;

    OpenOp(Loop loop, OpListener<? super T> listener) {
        super(loop, listener);
    }

    final void start() {
        track();
        loop().runNowOrLater(this);
    }

    /** On the loop: the unregistered channel, its pipeline set up. */
    abstract Channel newChannel();

    /** On the loop, once registered: the second step (connect, bind). */
    abstract ChannelFuture open(Channel ch);

    /** What this operation fails with when a step fails ({@code registering}: the first one). */
    abstract Throwable failure(Throwable cause, boolean registering);

    /** On the loop: the socket is open; what this operation completes with. */
    abstract T opened();

    /** {@code value} lost to a cancel that came while it opened (or reached nobody after): close it, with the reason. */
    abstract void discard(T value);

    @Override
    public final void run() {
        if (isDone()) {
            return;
        }
        Channel ch = newChannel();
        channel = ch;
        loop().eventLoop().register(ch).addListener(this);
        if (isFailed() && ch.isRegistered()) {
            ch.close(); // cancelled while we set up: the canceller may not have seen the channel
        }
    }

    @Override
    public final void operationComplete(ChannelFuture f) {
        if (!registered) {
            registered = true;
            if (!f.isSuccess()) {
                f.channel().unsafe().closeForcibly();
                fail(failure(f.cause(), true));
            } else if (isDone()) {
                f.channel().close();
            } else {
                open(f.channel()).addListener(this);
            }
            return;
        }
        if (!f.isSuccess()) {
            f.channel().close();
            fail(failure(f.cause(), false));
            return;
        }
        complete(opened()); // lost to a cancel that came while it opened: disposeUnreceived closes it
    }

    @Override
    protected final void disposeUnreceived(T value) {
        discard(value);
    }

    @Override
    protected final void onCancel() {
        Channel ch = channel;
        // Netty refuses to close a channel not registered yet (IllegalStateException): then the
        // registration's listener sees this op done and closes it.
        if (ch != null && ch.isRegistered()) {
            ch.close();
        }
    }
}
