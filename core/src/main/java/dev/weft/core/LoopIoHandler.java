package dev.weft.core;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;

/**
 * Netty's I/O handler for one loop (epoll or NIO), wrapped so that Weft knows where a loop iteration
 * ends: right after each I/O poll, {@link Loop#afterIo()} runs what was deferred to "the next
 * iteration" (ticks, and a drain cut short by its time budget). While such work waits, the poll must
 * not block, so {@link IoHandlerContext#canBlock()} is narrowed accordingly. It also tells the loop
 * when it enters and leaves the poll's wait ({@link Loop#progress()}: idle or busy), the signal of the
 * blocked-loop detector and, on a clocked loop, of the utilisation gauge. Loop-confined.
 */
final class LoopIoHandler implements IoHandler {
    private final IoHandler delegate;
    /** Set by the runtime before the loop thread starts. */
    volatile Loop loop;
    private IoHandlerContext outer;
    private final IoHandlerContext context = new IoHandlerContext() {
        @Override
        public boolean canBlock() {
            return outer.canBlock() && !loop.hasWorkAfterIo();
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return outer.delayNanos(currentTimeNanos);
        }

        @Override
        public long deadlineNanos() {
            return outer.deadlineNanos();
        }

        @Override
        public void reportActiveIoTime(long activeNanos) {
            outer.reportActiveIoTime(activeNanos);
        }

        @Override
        public boolean shouldReportActiveIoTime() {
            // Netty asks this as soon as its poll returns, before it handles what it found: the loop
            // is busy from here (a blocking channel handler must count as a blocked loop).
            loop.ioWaitEnds();
            return outer.shouldReportActiveIoTime();
        }
    };

    LoopIoHandler(IoHandler delegate) {
        this.delegate = delegate;
    }

    @Override
    public void initialize() {
        delegate.initialize();
    }

    @Override
    public int run(IoHandlerContext ctx) {
        Loop l = loop;
        if (l == null) {
            return delegate.run(ctx);
        }
        outer = ctx;
        l.ioWaitBegins();
        int handled;
        try {
            handled = delegate.run(context);
        } finally {
            l.ioWaitEnds(); // when Netty did not ask (nothing ready), or threw
        }
        l.afterIo();
        return handled;
    }

    @Override
    public void prepareToDestroy() {
        delegate.prepareToDestroy();
    }

    /** Netty calls this on the loop thread as the last thing the loop does: the loop terminates here. */
    @Override
    public void destroy() {
        try {
            delegate.destroy();
        } finally {
            Loop l = loop;
            if (l != null) {
                l.terminate();
            }
        }
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return delegate.register(handle);
    }

    @Override
    public void wakeup() {
        delegate.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return delegate.isCompatible(handleType);
    }
}
