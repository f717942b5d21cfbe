package dev.weft.core.tcp;

import dev.weft.core.internal.Checks;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Options of Weft's TCP clients and servers; immutable, built with {@link #builder()}. One object
 * serves both sides: {@link #connectTimeout()} only matters when connecting and
 * {@link #bindAddress()} only when serving; the other limits apply to every connection.
 *
 * <pre>{@code
 * TcpOptions opts = TcpOptions.builder()
 *         .maxFrameSize(64 * 1024)
 *         .maxPendingRequests(256)
 *         .connectTimeout(Duration.ofSeconds(2))
 *         .build();
 * }</pre>
 */
public final class TcpOptions {
    /** Default {@link #maxFrameSize()}: 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 1 << 20;
    /** Default {@link #maxPendingRequests()}. */
    public static final int DEFAULT_MAX_PENDING_REQUESTS = 1024;
    /** Default {@link #maxPendingRequestsWhenWorkersBusy()}. */
    public static final int DEFAULT_MAX_PENDING_REQUESTS_WHEN_WORKERS_BUSY = 16;
    /** Default {@link #writeBufferLowWaterMark()}: 32 KiB (Netty's). */
    public static final int DEFAULT_WRITE_BUFFER_LOW_WATER_MARK = 32 * 1024;
    /** Default {@link #writeBufferHighWaterMark()}: 64 KiB (Netty's). */
    public static final int DEFAULT_WRITE_BUFFER_HIGH_WATER_MARK = 64 * 1024;
    /** Default {@link #frameTimeout()}: 30 s. */
    public static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@link #maxPartialFrameBytes()}: 64 MiB. */
    public static final long DEFAULT_MAX_PARTIAL_FRAME_BYTES = 64L << 20;
    /** Default {@link #connectTimeout()}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private static final TcpOptions DEFAULTS = new Builder().build();

    private final int maxFrameSize;
    private final int maxPendingRequests;
    private final int maxPendingRequestsWhenWorkersBusy;
    private final int lowWaterMark;
    private final int highWaterMark;
    private final Duration connectTimeout;
    private final Duration frameTimeout;
    private final long maxPartialFrameBytes;
    private final InetSocketAddress bindAddress;
    /** Netty's form of the watermarks, made once. */
    final WriteBufferWaterMark waterMark;

    private TcpOptions(Builder b) {
        this.maxFrameSize = b.maxFrameSize;
        this.maxPendingRequests = b.maxPendingRequests;
        this.maxPendingRequestsWhenWorkersBusy = b.maxPendingRequestsWhenWorkersBusy;
        this.lowWaterMark = b.lowWaterMark;
        this.highWaterMark = b.highWaterMark;
        this.connectTimeout = b.connectTimeout;
        this.frameTimeout = b.frameTimeout;
        this.maxPartialFrameBytes = b.maxPartialFrameBytes;
        this.bindAddress = b.bindAddress != null ? b.bindAddress
                : new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        this.waterMark = new WriteBufferWaterMark(lowWaterMark, highWaterMark);
    }

    /**
     * The defaults: 1 MiB frames, 1024 pending requests (16 while the worker pool has a backlog), 32/64 KiB
     * watermarks, 10 s connect timeout, 30 s frame timeout, 64 MiB of incomplete frames per server, loopback port 0.
     */
    public static TcpOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxFrameSize = maxFrameSize;
        b.maxPendingRequests = maxPendingRequests;
        b.maxPendingRequestsWhenWorkersBusy = maxPendingRequestsWhenWorkersBusy;
        b.lowWaterMark = lowWaterMark;
        b.highWaterMark = highWaterMark;
        b.connectTimeout = connectTimeout;
        b.frameTimeout = frameTimeout;
        b.maxPartialFrameBytes = maxPartialFrameBytes;
        b.bindAddress = bindAddress;
        return b;
    }

    /**
     * The largest frame, in bytes (without its 4-byte length prefix), accepted in either direction.
     * Outbound it is checked before writing; inbound the length prefix is checked before the bytes
     * are read, so a peer cannot make Weft buffer more than this for one frame.
     */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /**
     * Per connection, the most requests in flight at once. Client: requests (and sends) written and
     * still awaiting their replies; one more fails with {@link ConnectionBusyException}. Server:
     * requests being handled or whose replies wait for earlier ones; at the limit the server stops
     * reading from that connection until a reply goes out (TCP flow control pushes back on the peer).
     */
    public int maxPendingRequests() {
        return maxPendingRequests;
    }

    /**
     * Server only: per connection, the most requests in flight while the runtime's worker pool has a
     * backlog (every worker busy, offloads queued). A connection at this bound stops being read until
     * one of its requests completes with the backlog gone, so a client that pipelines offloading
     * requests fills the pool's queue with at most this many of its own and the pool's refusals
     * ({@link dev.weft.core.WorkerPoolFullException}) fall on it, not on the other connections. Below
     * the bound, and while the pool keeps up, a connection takes up to {@link #maxPendingRequests()}.
     * Size the worker queue to at least (connections that offload) x this bound to keep every
     * connection's share.
     */
    public int maxPendingRequestsWhenWorkersBusy() {
        return Math.min(maxPendingRequestsWhenWorkersBusy, maxPendingRequests);
    }

    /** Below this many bytes waiting to be written, a connection that was unwritable becomes writable again. */
    public int writeBufferLowWaterMark() {
        return lowWaterMark;
    }

    /**
     * Above this many bytes waiting to be written (the socket did not take them: the peer does not
     * read), a connection is unwritable: a client refuses new requests with
     * {@link ConnectionBusyException}; a server stops reading requests from that peer.
     */
    public int writeBufferHighWaterMark() {
        return highWaterMark;
    }

    /** How long a connect may take before it fails with {@link TcpConnectTimeoutException} (whole milliseconds, rounded up). */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * How long an inbound frame may take to arrive whole, counted from its first byte (while the
     * connection reads: time it spends paused by its own backpressure does not count). A peer that
     * stalls or trickles in the middle of a frame has its connection closed with a
     * {@link FrameTimeoutException}. Both ends. At the default 30 s a full 1 MiB frame needs about
     * 35 KB/s; an idle connection between frames is not affected.
     */
    public Duration frameTimeout() {
        return frameTimeout;
    }

    /**
     * Server only: the most memory, in bytes, that the buffers of incomplete inbound frames may take
     * across all the connections of one server (the capacity of each connection's buffer for the frame
     * it is receiving, counted between reads). A connection whose incomplete frame would take it over is
     * closed; {@link TcpServer#closedOverPartialFrameBudget()} counts those. With the defaults, 300
     * connections that each announce a 1 MiB frame and send all but one byte of it hold at most
     * 64 MiB (about 32 of them; the others are closed as they go over), each for at most
     * {@link #frameTimeout()}.
     */
    public long maxPartialFrameBytes() {
        return maxPartialFrameBytes;
    }

    /** Where a server listens: loopback and an ephemeral port (0) unless set. */
    public InetSocketAddress bindAddress() {
        return bindAddress;
    }

    int connectTimeoutMillis() {
        long ms = connectTimeout.toMillis();
        if (Duration.ofMillis(ms).compareTo(connectTimeout) < 0) {
            ms++;
        }
        return (int) ms;
    }

    @Override
    public String toString() {
        return "TcpOptions[maxFrameSize=" + maxFrameSize + ", maxPendingRequests=" + maxPendingRequests
                + ", maxPendingRequestsWhenWorkersBusy=" + maxPendingRequestsWhenWorkersBusy
                + ", writeBufferWaterMarks=" + lowWaterMark + ".." + highWaterMark + ", connectTimeout="
                + connectTimeout + ", frameTimeout=" + frameTimeout + ", maxPartialFrameBytes=" + maxPartialFrameBytes
                + ", bindAddress=" + bindAddress + "]";
    }

    /** Builds {@link TcpOptions}; every setter checks its argument and names it when it refuses one. */
    public static final class Builder {
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private int maxPendingRequests = DEFAULT_MAX_PENDING_REQUESTS;
        private int maxPendingRequestsWhenWorkersBusy = DEFAULT_MAX_PENDING_REQUESTS_WHEN_WORKERS_BUSY;
        private int lowWaterMark = DEFAULT_WRITE_BUFFER_LOW_WATER_MARK;
        private int highWaterMark = DEFAULT_WRITE_BUFFER_HIGH_WATER_MARK;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration frameTimeout = DEFAULT_FRAME_TIMEOUT;
        private long maxPartialFrameBytes = DEFAULT_MAX_PARTIAL_FRAME_BYTES;
        private InetSocketAddress bindAddress;

        private Builder() {}

        /** The largest frame in bytes, 1 to {@link Integer#MAX_VALUE} (default 1 MiB). */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = Checks.positive(bytes, "maxFrameSize");
            return this;
        }

        /** The most requests in flight per connection, at least 1 (default 1024). */
        public Builder maxPendingRequests(int requests) {
            this.maxPendingRequests = Checks.positive(requests, "maxPendingRequests");
            return this;
        }

        /** Server only: the most requests in flight per connection while the worker pool has a backlog, at least 1 (default 16). */
        public Builder maxPendingRequestsWhenWorkersBusy(int requests) {
            this.maxPendingRequestsWhenWorkersBusy = Checks.positive(requests, "maxPendingRequestsWhenWorkersBusy");
            return this;
        }

        /**
         * The write buffer watermarks in bytes (default 32 KiB and 64 KiB).
         *
         * @throws IllegalArgumentException if {@code low} is negative or {@code high} is below {@code low} or not positive
         */
        public Builder writeBufferWaterMarks(int low, int high) {
            Checks.notNegative(low, "writeBufferLowWaterMark");
            Checks.positive(high, "writeBufferHighWaterMark");
            if (high < low) {
                throw new IllegalArgumentException("writeBufferHighWaterMark: " + high
                        + " (expected: >= writeBufferLowWaterMark " + low + ")");
            }
            this.lowWaterMark = low;
            this.highWaterMark = high;
            return this;
        }

        /** How long a connect may take, more than zero and at most {@link Integer#MAX_VALUE} ms (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            Checks.positive(timeout, "connectTimeout");
            if (Checks.saturatedNanos(timeout) / 1_000_000L >= Integer.MAX_VALUE) {
                throw new IllegalArgumentException("connectTimeout: " + timeout + " (expected: < " + Integer.MAX_VALUE + " ms)");
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** How long an inbound frame may take to arrive once its first byte has, more than zero (default 30 s). */
        public Builder frameTimeout(Duration timeout) {
            this.frameTimeout = Checks.positive(timeout, "frameTimeout");
            return this;
        }

        /** Server only: bytes that the buffers of incomplete inbound frames may take across one server's connections, at least 1 (default 64 MiB). */
        public Builder maxPartialFrameBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxPartialFrameBytes: " + bytes + " (expected: > 0)");
            }
            this.maxPartialFrameBytes = bytes;
            return this;
        }

        /**
         * Where a server listens (default: loopback, port 0 = an ephemeral port; the server reports the
         * port it got). Use the wildcard address ({@code new InetSocketAddress(port)}) to listen on every
         * interface.
         *
         * @throws IllegalArgumentException if the address is unresolved
         */
        public Builder bindAddress(InetSocketAddress address) {
            Checks.notNull(address, "bindAddress");
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("bindAddress: " + address + " (expected: a resolved address)");
            }
            this.bindAddress = address;
            return this;
        }

        public TcpOptions build() {
            return new TcpOptions(this);
        }
    }
}
