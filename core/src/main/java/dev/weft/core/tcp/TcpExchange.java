package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.OpListener;
import dev.weft.core.internal.Checks;
import io.netty.buffer.ByteBuf;
import dev.weft.core.internal.Disposal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request received by a {@link TcpServer} and the place of its reply in the connection's reply
 * order. It is the completion handler of that request: {@link #onComplete} with a reply buffer
 * sends it, with a failure closes the connection (see below). Replies leave in request order
 * whatever order handlers finish in.
 *
 * <p><b>Ownership.</b> {@link #request()} belongs to Weft: Weft releases it once the reply has
 * completed (succeeded or failed), so a handler must not release it, and must {@code retain()} it
 * (or a slice of it) to keep it longer. A reply buffer belongs to Weft from the moment it is handed
 * over, also when it cannot be sent (connection closed, too large) or when a second completion is
 * ignored: Weft releases it. Echoing is {@code exchange.reply(exchange.request().retain())}.
 *
 * <p><b>Failures.</b> The wire format has no error frame, so a failed reply (a handler that throws,
 * fails its completion, replies {@code null} or a frame over {@link TcpOptions#maxFrameSize()})
 * is logged, the replies before it are sent, and the connection is closed: the client's pending
 * requests fail with {@link ConnectionClosedException}. Other connections are not affected.
 *
 * <p><b>Cancellation.</b> When the connection closes while the handler has not completed (the
 * client reset or closed, a bad frame, the server or the runtime closed), nobody will read the reply:
 * Weft calls {@link #onCancel()} on the loop, once, and a facade cancels there what its handler runs
 * (a coroutine, the stage it returned). The handler's completion is still expected, now or later;
 * its reply, if any, is released.
 *
 * <p><b>Threads.</b> {@link #onComplete} may be called from any thread, exactly once; later calls
 * are ignored (their reply buffer is released), and so is a reply given together with a failure.
 * Subclasses (facades) add the interfaces their style completes through; they must not override
 * the completion itself.
 */
public class TcpExchange implements OpListener<ByteBuf> {
    private static final Logger log = LoggerFactory.getLogger(TcpExchange.class);

    /** Set before the handler sees the exchange. */
    private ServerConnection connection;
    private ByteBuf request;
    /** Written by the one winning completer before it hands the exchange to the loop. */
    private ByteBuf reply;
    private Throwable failure;
    /** Loop-confined: the completion has reached the loop. */
    boolean settled;
    /** 0 until the first completion wins. */
    private volatile int completed;

    public TcpExchange() {}

    final void begin(ServerConnection connection, ByteBuf request) {
        this.connection = connection;
        this.request = request;
    }

    /** The request, owned by Weft until the reply completes (retain it to keep it longer). */
    public final ByteBuf request() {
        return request;
    }

    /** The loop of the connection this request came on (where the handler runs). */
    public final Loop loop() {
        return connection.loop;
    }

    /** The client's address. */
    public final InetSocketAddress remoteAddress() {
        return connection.remote;
    }

    /** Replies with {@code reply} (now owned by Weft). Same as {@code onComplete(reply, null)}. */
    public final void reply(ByteBuf reply) {
        onComplete(Checks.notNull(reply, "reply"), null);
    }

    /** Fails this request: the connection will be closed after the replies before it. */
    public final void fail(Throwable failure) {
        onComplete(null, Checks.notNull(failure, "failure"));
    }

    /**
     * Completes the exchange with a reply ({@code failure == null}) or a failure. Any thread; the
     * first call wins.
     */
    @Override
    public final void onComplete(ByteBuf reply, Throwable failure) {
        if (!COMPLETED.compareAndSet(this, 0, 1)) {
            Disposal.dispose(reply);
            log.debug("request from {} completed twice; the second completion ({}) was ignored",
                    connection.remote, failure != null ? failure : "a reply");
            return;
        }
        if (failure != null && reply != null) {
            Disposal.dispose(reply); // a failed exchange sends no reply
            reply = null;
        }
        this.reply = reply;
        this.failure = failure;
        ServerConnection c = connection;
        if (c.loop.isLoopThread()) {
            c.exchangeDone(this);
        } else {
            c.loop.execute(() -> c.exchangeDone(this));
        }
    }

    /**
     * Called on the connection's loop, at most once, when the connection closes before this exchange
     * completed: a facade cancels what its handler runs (the coroutine, the stage). Does nothing by
     * default. Must not block; a failure it throws is logged.
     */
    protected void onCancel() {}

    /** On the loop, by the closing connection: the reply is no longer wanted. */
    final void cancel() {
        if (completed != 0) {
            return; // completed already (its exchangeDone may still be on its way to the loop)
        }
        try {
            onCancel();
        } catch (Throwable t) {
            log.warn("request from {}: cancelling its handler failed", connection.remote, t);
        }
    }

    /** On the loop, once: the request is no longer needed. */
    final void releaseRequest() {
        ByteBuf r = request;
        if (r != null) {
            r.release();
        }
    }

    final ByteBuf takeReply() {
        ByteBuf r = reply;
        reply = null;
        return r;
    }

    final Throwable failure() {
        return failure;
    }

    // VarHandle mechanics
    private static final VarHandle COMPLETED;

    static {
        try {
            COMPLETED = MethodHandles.lookup().findVarHandle(TcpExchange.class, "completed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
