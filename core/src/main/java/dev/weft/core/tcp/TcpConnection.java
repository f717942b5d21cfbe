package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.OpListener;
import dev.weft.core.RuntimeClosedException;
import dev.weft.core.internal.Checks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;

/**
 * The client end of a TCP connection speaking Weft's framing (a 4-byte big-endian length, then the
 * bytes): request/reply with pipelining, fire-and-forget sends, close. This is the core API, written
 * once; each style's facade adapts it ({@code Callbacks}, {@code Futures}, {@code Coroutines}).
 *
 * <p><b>Loop.</b> A connection belongs to one {@link Loop}, the one it was opened on: its socket
 * is served there and every listener of its operations runs on that loop's thread.
 *
 * <p><b>Pipelining.</b> Any number of requests, up to {@link TcpOptions#maxPendingRequests()}, may
 * await their replies at once; replies come back in request order and are matched to requests
 * in that order.
 *
 * <p><b>Buffer ownership.</b> A request or send buffer handed to any method here belongs to Weft
 * from the call on, whatever happens next: it is written and released, or released when the
 * operation fails or is cancelled before writing, or when the call throws. A reply delivered to a
 * listener belongs to the listener, which must release it. Requests are written as they are, with
 * no copy; allocate them with {@link #alloc()} to get Netty's pooled direct buffers.
 *
 * <p><b>Backpressure.</b> Weft never queues requests without bound. A request or send fails at once
 * with {@link ConnectionBusyException}, nothing written, when {@code maxPendingRequests} are already
 * pending or when the bytes waiting for the socket exceed {@link TcpOptions#writeBufferHighWaterMark()}
 * (the peer does not read); {@link #isWritable()} says when sending is possible again.
 *
 * <p><b>Cancellation.</b> Requests, sends and close are {@link Op}s, cancellable and usable with
 * {@link dev.weft.core.Ops#timeout} like every other operation. A request cancelled before its bytes
 * were written is never sent. One cancelled (or timed out) after its bytes were written cannot be
 * unsent: it completes cancelled at once, still counts as pending until its reply arrives, and
 * that reply is read and released.
 *
 * <p><b>Failures.</b> {@link ConnectionClosedException} (the connection closed before the reply
 * came, or was closed already; the message says why), {@link ConnectionBusyException},
 * {@link FrameTooLargeException} (an outbound frame over {@link TcpOptions#maxFrameSize()}: that
 * request alone fails and the connection stays usable), {@link RuntimeClosedException}.
 *
 * <p>Every method may be called from any thread.
 */
public final class TcpConnection {
    private final ClientChannel ch;

    TcpConnection(ClientChannel ch) {
        this.ch = ch;
    }

    /**
     * Opens a connection to {@code remote} on {@code loop}. Fails with {@link TcpConnectException}
     * (refused, unreachable) or {@link TcpConnectTimeoutException} (not accepted within
     * {@link TcpOptions#connectTimeout()}). Cancelling closes the half-open socket.
     *
     * @param remote a resolved address (resolve names off the loop, before connecting)
     * @throws IllegalArgumentException if {@code remote} is unresolved
     * @throws RuntimeClosedException if the runtime is closed
     */
    public static Op<TcpConnection> connect(Loop loop, InetSocketAddress remote, TcpOptions options,
            OpListener<? super TcpConnection> listener) {
        Checks.notNull(loop, "loop");
        Checks.notNull(remote, "remote");
        Checks.notNull(options, "options");
        if (remote.isUnresolved()) {
            throw new IllegalArgumentException("remote: " + remote + " (expected: a resolved address; resolve it off the loop first)");
        }
        loop.runtime().ensureOpen();
        ConnectOp op = new ConnectOp(loop, remote, options, listener);
        op.start();
        return op;
    }

    /**
     * Sends {@code request} and completes with its reply (which the listener then owns and must
     * release). See the class comment for ownership, backpressure and cancellation.
     *
     * @throws NullPointerException if {@code request} is null
     * @throws RuntimeClosedException if the runtime is closed (the buffer is released)
     */
    public Op<ByteBuf> request(ByteBuf request, OpListener<? super ByteBuf> listener) {
        checkFrame(request, "request");
        RequestOp op = new RequestOp(ch, request, listener);
        op.start();
        return op;
    }

    /**
     * Sends {@code frame} without waiting for a reply: completes with {@code null} once the frame was
     * written to the socket. The server still answers it (the wire format has no one-way frames);
     * that reply is read and released, and the send counts as pending until it arrives.
     *
     * @throws NullPointerException if {@code frame} is null
     * @throws RuntimeClosedException if the runtime is closed (the buffer is released)
     */
    public Op<Void> send(ByteBuf frame, OpListener<? super Void> listener) {
        checkFrame(frame, "frame");
        SendOp op = new SendOp(ch, frame, listener);
        op.start();
        return op;
    }

    private void checkFrame(ByteBuf frame, String name) {
        Checks.notNull(frame, name);
        try {
            ch.loop.runtime().ensureOpen();
        } catch (RuntimeClosedException closed) {
            frame.release();
            throw closed;
        }
    }

    /**
     * Closes the connection: requests still awaiting replies fail with
     * {@link ConnectionClosedException} ("closed by close()"), frames already written are flushed
     * as far as the socket takes them, and the operation completes once the socket is closed.
     * Closing a closed connection completes at once.
     *
     * @throws RuntimeClosedException if the runtime is closed (its connections are closed already)
     */
    public Op<Void> close(OpListener<? super Void> listener) {
        ch.loop.runtime().ensureOpen();
        CloseOp op = new CloseOp(ch.loop, ch::closeByUser, listener);
        op.start();
        return op;
    }

    /** The loop this connection belongs to: listeners of its operations run on its thread. */
    public Loop loop() {
        return ch.loop;
    }

    /** The address connected to. */
    public InetSocketAddress remoteAddress() {
        return ch.remote;
    }

    /** The local address of the socket, or {@code null} once closed. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) ch.channel.localAddress();
    }

    /** The options this connection was opened with. */
    public TcpOptions options() {
        return ch.options;
    }

    /** Whether the socket is open. */
    public boolean isOpen() {
        return ch.channel.isActive();
    }

    /**
     * Whether the bytes waiting for the socket are below the write buffer watermarks; while not, requests
     * fail with {@link ConnectionBusyException}. Any thread.
     */
    public boolean isWritable() {
        return ch.channel.isWritable();
    }

    /** Requests and sends written and awaiting their replies (racy when read off the loop). */
    public int pendingRequests() {
        return ch.pendingCount();
    }

    /** The allocator of this connection's channel (pooled, direct where possible): allocate requests with it. */
    public ByteBufAllocator alloc() {
        return ch.channel.alloc();
    }

    /**
     * A buffer for a frame of about {@code capacity} bytes. Up to 1 KiB, a plain heap buffer: small
     * frames are usually copied into the connection's one buffer per flush whichever buffer they come
     * in (not a frame whose write is awaited, as {@code send} does, nor one refused at the high water
     * mark: those leave as their own entry, with a separate length prefix), and a heap buffer is the
     * cheapest to make and release (it is tracked by Netty's leak detector at its
     * {@code ADVANCED} and {@code PARANOID} levels, and a forgotten one costs no pooled memory). Above
     * that, a pooled buffer with room reserved in front for the length prefix: written through it, a
     * frame larger than 1 KiB leaves as one buffer (one write entry, no separate header allocation)
     * instead of two. Write the payload into it as usual; a frame may outgrow the capacity asked for
     * (it is then sent correctly, with a separate prefix). The reserved bytes are used only when this
     * very buffer is sent with its reader index where it was made; a slice or duplicate of it, or a
     * buffer whose reader index moved, is sent like any other buffer (Weft never writes into bytes
     * before a reader index that may be shared with another buffer).
     */
    public ByteBuf frameBuffer(int capacity) {
        return FramedConnection.frameBuffer(alloc(), capacity);
    }

    @Override
    public String toString() {
        return "TcpConnection[" + ch.remote + (isOpen() ? "" : ", closed") + ", " + ch.loop + "]";
    }
}
