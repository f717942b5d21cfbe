package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.RuntimeClosedException;
import dev.weft.core.internal.Checks;
import dev.weft.core.internal.LoopTimers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the two ends of a Weft connection share: the one handler in the channel's pipeline, which
 * cuts the input into frames, writes frames, batches flushes and closes with a reason.
 *
 * <pre>
 * Overview (maintainers)
 *
 * Threading: every field below is confined to the channel's event loop, which is the Weft loop the
 * connection belongs to. Code on other threads (and loop-carried virtual threads, for which Netty's
 * inEventLoop() is false) reaches a connection only through Loop.execute().
 *
 * Flushing: a frame written while a read is in progress is flushed at channelReadComplete (so the
 * replies to one read's requests leave in one syscall); a frame written outside a read schedules one
 * flush task on the loop (so requests started in one burst leave together). A write that takes the
 * outbound buffer over the high water mark flushes at once, so that "unwritable" means the socket
 * itself refuses bytes (the peer does not read), not merely that a burst has not been flushed yet.
 *
 * Coalescing: a small frame (payload up to COALESCE_MAX_FRAME_BYTES) written with no per-write
 * promise is copied, prefix and payload, into one buffer per connection (`coalesced`), and its own
 * buffer is released at once; that buffer goes to the channel as one outbound entry at the flush.
 * One entry per flush instead of one (or two: prefix and payload) per frame is what makes pipelined
 * small frames cheap: each Netty outbound entry costs a recycled Entry (a Recycler get and release),
 * pending-bytes accounting and an iovec, far more than copying a few bytes. Larger frames, and frames
 * whose write result someone awaits (a send), go as their own entry, after the coalesced bytes (order
 * is kept). The coalescing buffer is bounded: at most COALESCE_CAP_BYTES, and never more than the
 * room left below the high water mark when it was started (Channel.bytesBeforeUnwritable()), so the
 * bytes waiting for the socket (outbound buffer plus this buffer) exceed the mark only through the
 * channel, where writability sees them, exactly as without coalescing; a frame that does not fit is
 * handed over with what came before it.
 *
 * Closing: closeWith(reason, cause) is the single way a connection ends, whoever starts it (the peer,
 * close(), a bad frame, a failed handler, runtime close). The first reason wins; onClosing() then
 * fails or drops whatever is pending, synchronously, before the socket is closed.
 *
 * Meters: {@link #meters} is null unless the runtime has a MeterRegistry (see TcpMeters); every
 * count is then a plain increment on the loop, after one null check.
 * </pre>
 */
abstract class FramedConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(FramedConnection.class);

    /** How long a gracefully closed connection waits for the peer to close its side (see {@link #closeAfterFlush}). */
    static final long CLOSE_GRACE_MILLIS = 1000;

    final Loop loop;
    final TcpOptions options;
    final Channel channel;
    /** The peer's address, kept for messages after the channel has forgotten it. */
    final InetSocketAddress remote;
    private final FrameReader reader;
    private final Lifetime lifetime;
    private final Runnable flushTask = this::scheduledFlush;
    /** The server's budget for incomplete frames, or {@code null} (a client). */
    private final PartialFrameBudget budget;
    private final long frameTimeoutNanos;
    private final Runnable frameTimerTask = this::frameTimerFired;
    /** This side's counters on this loop, or {@code null} without a meter registry. Loop-confined writes. */
    final TcpMeters.Counters meters;
    /** Start times of the requests awaiting replies (made only with {@link #meters}). Loop-confined. */
    final StartTimes startTimes;

    /** Set in handlerAdded, before any other event. */
    ChannelHandlerContext ctx;

    // Loop-confined state (see overview).
    private boolean reading;
    private boolean dispatching;
    /** Frames are not taken until unhold() (see hold()). */
    private boolean held;
    private boolean paused;
    private boolean needsFlush;
    private boolean flushScheduled;
    /** Small frames written since the last hand-over to the channel (see overview); null when none. */
    private ByteBuf coalesced;
    /** The most bytes {@link #coalesced} may hold (fixed when it was started). */
    private int coalesceLimit;
    private boolean closing;
    /** A bad frame was read: the input is over, what still arrives is dropped. */
    private boolean inputEnded;
    /** The reader holds an incomplete frame that the peer is sending (we are reading): since when, and after how many frames. */
    private boolean frameInProgress;
    private long frameStartNanos;
    private long framesTaken;
    private long framesAtFrameStart;
    /** Armed while a frame is in progress (re-armed until it is due); null otherwise. */
    private ScheduledFuture<?> frameTimer;
    /** Bytes of {@link #budget} this connection holds now. */
    private long charged;
    private String closeReason;
    private Throwable closeCause;
    /** Counted in {@link #meters} as opened (so that its close is counted too). */
    private boolean countedOpen;

    FramedConnection(Loop loop, TcpOptions options, Channel channel, InetSocketAddress remote, PartialFrameBudget budget,
            TcpMeters.Counters meters) {
        this.loop = loop;
        this.meters = meters;
        this.startTimes = meters == null ? null : new StartTimes();
        this.options = options;
        this.channel = channel;
        this.remote = remote;
        this.reader = new FrameReader(options.maxFrameSize());
        this.lifetime = new Lifetime(loop, this::runtimeClosed);
        this.budget = budget;
        this.frameTimeoutNanos = Checks.saturatedNanos(options.frameTimeout());
    }

    /** One inbound frame, owned by the callee. Not called once the connection is closing. */
    abstract void onFrame(ByteBuf frame);

    /**
     * The input broke Weft's framing ({@code bad}: a negative or oversized length prefix): no more
     * frames are taken and what still arrives is dropped. By default the connection closes at once.
     */
    void badFrame(TcpException bad) {
        closeWith(CloseReason.of(bad), "was closed", bad);
    }

    /** A frame did not arrive within {@link TcpOptions#frameTimeout()}; the connection closes next. */
    void frameTimedOut() {}

    /** The connection is closing (see {@link #closeReason()}): fail or drop what is pending, release buffers. */
    abstract void onClosing();

    /** The channel's writability changed. */
    void writabilityChanged() {}

    /**
     * Whether the socket was closed from this side without {@link #closeWith} (a server closes its
     * connections as a group): the end of input is then not the peer's doing.
     */
    boolean closedLocally() {
        return false;
    }

    // ---------------------------------------------------------------- lifecycle

    /** On the loop, once the socket is connected: enter the loop's pending registry. */
    final void opened() {
        lifetime.start();
        if (meters != null) {
            meters.opened++;
            countedOpen = true;
        }
    }

    final boolean isClosing() {
        return closing;
    }

    /** Why the connection closed, as a phrase completing "connection to X ...", or {@code null} while open. */
    final String closeReason() {
        return closeReason;
    }

    /** The failure behind the close, if there was one. */
    final Throwable closeCause() {
        return closeCause;
    }

    /** A human description of the close, e.g. "connection to /127.0.0.1:5000 was lost: Connection reset by peer". */
    final String describeClose() {
        return "connection to " + remote + " " + closeReason + (closeCause == null ? "" : ": " + closeCause.getMessage());
    }

    /**
     * Closes the connection now; the first reason given wins. Also cuts a graceful close short
     * ({@link #closeAfterFlush}: the peer reset, the runtime closes). On the loop.
     */
    final void closeWith(CloseReason why, String reason, Throwable cause) {
        startClosing(why, reason, cause);
        releaseCoalesced(); // like the frames written and not flushed, which closing the channel drops
        channel.close();
    }

    /**
     * Like {@link #closeWith}, but gracefully: the frames already written go out, then our side of
     * the connection is shut down (the peer reads them, then end-of-stream) while what the peer still
     * sends is read and dropped, and the socket closes when the peer closes its side, or after
     * {@link #CLOSE_GRACE_MILLIS}. Closing at once would make the kernel answer the peer's unread
     * requests with a reset, which can destroy the replies it has not read yet.
     */
    final void closeAfterFlush(CloseReason why, String reason, Throwable cause) {
        if (startClosing(why, reason, cause)) {
            needsFlush = false;
            pauseReading(false); // keep reading (and dropping) until the peer's end-of-stream
            handOverCoalesced(); // the frames written before the close go out first
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess() && channel instanceof DuplexChannel duplex && channel.isActive()) {
                    duplex.shutdownOutput();
                    // Real time even under VirtualTime: the grace is for the peer's kernel, not the program.
                    channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
                } else {
                    channel.close();
                }
            });
        }
    }

    private boolean startClosing(CloseReason why, String reason, Throwable cause) {
        assert loop.isLoopThread();
        if (closing) {
            return false;
        }
        closing = true;
        if (countedOpen) {
            meters.closed[why.ordinal()]++;
        }
        closeReason = reason;
        closeCause = cause;
        frameInProgress = false;
        if (frameTimer != null) {
            frameTimer.cancel(false);
            frameTimer = null;
        }
        if (charged > 0) {
            budget.release(charged);
            charged = 0;
        }
        try {
            onClosing();
        } catch (Throwable t) {
            log.warn("{}: failed to clean up while closing", describeClose(), t);
        }
        return true;
    }

    private void runtimeClosed(Throwable closed) {
        closeWith(CloseReason.RUNTIME_CLOSED, "was closed with the runtime", closed);
    }

    /**
     * What an operation that the close cut short fails with: {@link RuntimeClosedException} once the
     * runtime is closing (whichever end of the connection noticed first: with connections between two
     * loops of one runtime, the peer's socket may close before this loop's own turn to fail its
     * operations), else a {@link ConnectionClosedException} saying why it closed.
     */
    final Throwable closedFailure(String consequence) {
        if (closeCause instanceof RuntimeClosedException closed) {
            return closed;
        }
        if (loop.runtime().isClosed()) {
            return new RuntimeClosedException("runtime '" + loop.runtime().name() + "' is closed: the " + describeClose()
                    + consequence);
        }
        return new ConnectionClosedException(describeClose() + consequence, closeCause);
    }

    // ---------------------------------------------------------------- reading

    /** Stops (or resumes) taking frames and reading from the socket. */
    final void pauseReading(boolean pause) {
        if (pause == paused) {
            return;
        }
        paused = pause;
        channel.config().setAutoRead(!pause);
        if (!pause) {
            takeFrames(); // frames that arrived while paused wait in the reader
        } else {
            inputSettled(); // the peer is not the one keeping a frame incomplete now
        }
    }

    /** Takes the frames waiting in the reader, unless reading is paused. */
    final void takeFrames() {
        if (dispatching) {
            return; // re-entered from onFrame (a handler that replied at once): the outer loop goes on
        }
        dispatching = true;
        try {
            while (!paused && !closing && !inputEnded && !held) {
                ByteBuf frame;
                try {
                    frame = reader.next();
                } catch (TcpException bad) {
                    log.debug("connection to {}: {}", remote, bad.getMessage());
                    if (meters != null && bad instanceof FrameTooLargeException) {
                        meters.refusedOversize++;
                    }
                    inputEnded = true;
                    reader.release();
                    badFrame(bad);
                    return;
                }
                if (frame == null) {
                    return;
                }
                framesTaken++;
                onFrame(frame);
            }
        } finally {
            dispatching = false;
            inputSettled();
        }
    }

    /**
     * After frames were taken, or reading paused: times the incomplete frame the peer is sending and
     * charges the buffer that holds it to the budget (see {@link TcpOptions#frameTimeout()} and
     * {@link TcpOptions#maxPartialFrameBytes()}). A frame counts as incomplete only while we read:
     * bytes waiting because we paused are not the peer's doing.
     */
    private void inputSettled() {
        boolean incomplete = !paused && !held && !closing && !inputEnded && reader.holdsBytes();
        if (!incomplete) {
            frameInProgress = false;
        } else if (!frameInProgress || framesTaken != framesAtFrameStart) {
            frameInProgress = true; // a new frame began (the one before it is complete)
            framesAtFrameStart = framesTaken;
            frameStartNanos = LoopTimers.nanoTime(loop); // the clock the frame timer counts on (virtual in tests)
            if (frameTimer == null) {
                frameTimer = LoopTimers.arm(loop, frameTimeoutNanos, frameTimerTask);
            }
        }
        if (budget != null) {
            long held = incomplete ? reader.bufferCapacity() : 0;
            // Small leftovers (the tail of a pipelined burst, cut by the read) are what any connection's
            // read costs, and the common case: charging them would put one server-wide atomic on every read.
            charge(held >= UNCHARGED_PARTIAL_BYTES ? held : 0);
        }
    }

    /** Incomplete frames held in buffers below this size are not charged to the server's budget. */
    static final long UNCHARGED_PARTIAL_BYTES = 64 * 1024;

    private void charge(long bytes) {
        long more = bytes - charged;
        if (more == 0) {
            return;
        }
        if (more > 0 && !budget.tryCharge(more)) {
            String why = "was closed because the buffer of its incomplete frame (" + bytes + " bytes) would take the"
                    + " server's buffers for incomplete frames over TcpOptions.maxPartialFrameBytes = " + budget.limit;
            if (budget.refusals() == 1) {
                log.warn("connection from {} {} (further such closes are counted and logged at DEBUG)", remote, why);
            }
            closeWith(CloseReason.PARTIAL_FRAME_BUDGET, why, null);
            return;
        }
        if (more < 0) {
            budget.release(-more);
        }
        charged = bytes;
    }

    private void frameTimerFired() {
        frameTimer = null;
        if (closing || !frameInProgress) {
            return; // complete, or we paused reading: a later frame arms it again
        }
        long left = frameTimeoutNanos - (LoopTimers.nanoTime(loop) - frameStartNanos);
        if (left > 0) {
            frameTimer = LoopTimers.arm(loop, left, frameTimerTask);
            return;
        }
        FrameTimeoutException late = new FrameTimeoutException(reader.bufferedBytes(), options.frameTimeout());
        log.debug("connection to {}: {}", remote, late.getMessage());
        frameTimedOut();
        closeWith(CloseReason.FRAME_TIMEOUT, "was closed", late);
    }

    /**
     * Takes no more frames until {@link #unhold()} (which the caller arranges, typically on a later
     * turn of the loop); bytes that arrive meanwhile wait in the reader.
     */
    final void hold() {
        held = true;
    }

    /** Ends a {@link #hold()}; call {@link #takeFrames()} to go on. */
    final void unhold() {
        held = false;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        reader.release();
        releaseCoalesced();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        if (meters != null && msg instanceof ByteBuf b) {
            meters.bytesReceived += b.readableBytes();
        }
        if (closing || inputEnded || !(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        reader.append(ctx.alloc(), (ByteBuf) msg);
        takeFrames();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        reader.discardSomeReadBytes();
        flushIfNeeded();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        CorruptFrameException cut = reader.truncation();
        reader.release();
        if (cut != null) {
            closeWith(CloseReason.CORRUPT_FRAME, "was closed", cut);
        } else if (closedLocally()) {
            closeWith(loop.runtime().isClosed() ? CloseReason.RUNTIME_CLOSED : CloseReason.CLOSE, "was closed on this side", null);
        } else {
            closeWith(CloseReason.PEER, "was closed by the peer", null);
        }
        lifetime.ended();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("connection to {}: {}", remote, cause.toString());
            closeWith(CloseReason.LOST, "was lost", cause);
        } else {
            log.warn("connection to {}: unexpected error, closing it", remote, cause);
            closeWith(CloseReason.ERROR, "was closed after an unexpected error", cause);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        writabilityChanged();
    }

    // ---------------------------------------------------------------- writing

    /**
     * For a frame of more than {@link #COALESCE_MAX_FRAME_BYTES}: a pooled buffer with
     * {@link FrameReader#HEADER_BYTES} reserved before its reader index, marked as such
     * ({@link HeadroomBuf}) so that {@link #writeFrame} may write the length prefix there. For a
     * smaller one, which is coalesced (copied), a plain heap buffer ({@link SmallFrames}).
     */
    static ByteBuf frameBuffer(io.netty.buffer.ByteBufAllocator alloc, int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 0)");
        }
        if (capacity <= COALESCE_MAX_FRAME_BYTES) {
            // It will be copied into the coalescing buffer (see overview): headroom would go unused,
            // and a heap buffer costs less to make and to release than a pooled one.
            return SmallFrames.heapBuffer(alloc, capacity, Integer.MAX_VALUE);
        }
        ByteBuf b = alloc.ioBuffer(FrameReader.HEADER_BYTES + capacity);
        b.writerIndex(FrameReader.HEADER_BYTES);
        b.readerIndex(FrameReader.HEADER_BYTES);
        return new HeadroomBuf(b);
    }

    /** Frames with payloads up to this size are copied into the connection's coalescing buffer (see overview). */
    static final int COALESCE_MAX_FRAME_BYTES = 1024;
    /** The most bytes one coalescing buffer holds before it is handed to the channel (see overview). */
    static final int COALESCE_CAP_BYTES = 16 * 1024;
    /** What a coalescing buffer starts with (Netty's allocator grows it up to its cap). */
    private static final int COALESCE_INITIAL_BYTES = 1024;

    /**
     * Writes one frame (length prefix, then {@code payload}, which the channel now owns); flushes as
     * the overview says. With a void {@code promise}, a small frame is coalesced (see overview).
     */
    final void writeFrame(ByteBuf payload, ChannelPromise promise) {
        int length = payload.readableBytes();
        if (meters != null) {
            meters.bytesSent += FrameReader.HEADER_BYTES + length;
        }
        if (length > COALESCE_MAX_FRAME_BYTES || !promise.isVoid() || !coalesce(payload, length)) {
            handOverCoalesced(); // what was written before this frame goes before it
            writeEntry(payload, length, promise);
        }
        needsFlush = true;
        if (!channel.isWritable()) {
            flushIfNeeded();
        } else if (!reading && !flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    /**
     * Copies a small frame into the coalescing buffer and releases {@code payload}; or returns false,
     * leaving it alone, when the frame would take the channel over its high water mark (then it goes
     * as an entry of its own, so that writability changes exactly as it would without coalescing).
     */
    private boolean coalesce(ByteBuf payload, int length) {
        int frame = FrameReader.HEADER_BYTES + length;
        ByteBuf c = coalesced;
        if (c != null && c.readableBytes() + frame > coalesceLimit) {
            handOverCoalesced();
            c = null;
        }
        if (c == null) {
            long room = channel.bytesBeforeUnwritable();
            if (frame > room) {
                return false;
            }
            coalesceLimit = (int) Math.min(COALESCE_CAP_BYTES, room);
            c = ctx.alloc().ioBuffer(Math.min(COALESCE_INITIAL_BYTES, coalesceLimit), coalesceLimit);
            coalesced = c;
        }
        c.ensureWritable(frame); // within coalesceLimit, its maximum capacity, as checked above
        int at = c.writerIndex();
        c.setInt(at, length);
        copy(payload, c, at + FrameReader.HEADER_BYTES, length);
        c.writerIndex(at + frame);
        payload.release();
        return true;
    }

    /** Payloads up to this many bytes are copied eight bytes at a time (see {@link #copy}). */
    static final int COPY_BY_LONGS_MAX_BYTES = 64;

    /**
     * Copies {@code payload}'s readable bytes into {@code c} at {@code at} (room checked by the caller).
     * A small payload is copied with a few {@code getLong}/{@code setLong}s: Netty's bulk copy between
     * two buffers goes through {@code ByteBuffer} views and their bounds and session checks (from a
     * slice of a read buffer, what a server echoes, it was a third of the echo loop's time), which
     * costs far more than the few bytes it moves. A larger one is copied in bulk, the source driving
     * the copy: Netty's pooled buffers then copy memory to memory, where {@code c.writeBytes(payload)}
     * would go through a {@code ByteBuffer} view of a wrapped or sliced payload (an allocation).
     */
    @SuppressWarnings("deprecation") // order(): the one way to tell a swapped (little-endian) view, whose getLong reads bytes swapped
    private static void copy(ByteBuf payload, ByteBuf c, int at, int length) {
        int from = payload.readerIndex();
        if (length > COPY_BY_LONGS_MAX_BYTES || payload.order() != c.order()) {
            payload.getBytes(from, c, at, length);
            return;
        }
        int end = from + length;
        for (; end - from >= Long.BYTES; from += Long.BYTES, at += Long.BYTES) {
            c.setLong(at, payload.getLong(from));
        }
        if (end - from >= Integer.BYTES) {
            c.setInt(at, payload.getInt(from));
            from += Integer.BYTES;
            at += Integer.BYTES;
        }
        for (; from < end; from++, at++) {
            c.setByte(at, payload.getByte(from));
        }
    }

    /** One frame as an outbound entry of its own (two when there is no room for the prefix in front). */
    private void writeEntry(ByteBuf payload, int length, ChannelPromise promise) {
        if (payload instanceof HeadroomBuf framed && framed.readerIndex() == FrameReader.HEADER_BYTES) {
            // The reserved bytes of a frameBuffer (and only those: any other bytes before a reader
            // index may be shared with a slice or duplicate someone else holds): one buffer, one write.
            ByteBuf b = framed.unwrap();
            b.setInt(0, length);
            b.readerIndex(0);
            ctx.write(b, promise);
        } else {
            ByteBuf header = ctx.alloc().ioBuffer(FrameReader.HEADER_BYTES, FrameReader.HEADER_BYTES);
            header.writeInt(length);
            ctx.write(header, ctx.voidPromise());
            ctx.write(payload, promise);
        }
    }

    /** Writes the coalesced frames to the channel (not flushed), if there are any. */
    private void handOverCoalesced() {
        ByteBuf c = coalesced;
        if (c != null) {
            coalesced = null;
            ctx.write(c, ctx.voidPromise());
        }
    }

    private void releaseCoalesced() {
        ByteBuf c = coalesced;
        if (c != null) {
            coalesced = null;
            c.release();
        }
    }

    private void scheduledFlush() {
        flushScheduled = false;
        flushIfNeeded();
    }

    final void flushIfNeeded() {
        if (needsFlush) {
            needsFlush = false;
            handOverCoalesced();
            ctx.flush();
        }
    }
}
