package dev.weft.examples.pitfalls;

import dev.weft.core.tcp.TcpConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;

/** The gallery's tiny wire helpers: frames of big-endian ints. */
final class Ints {
    private Ints() {}

    static ByteBuf of(TcpConnection conn, int v) {
        return conn.alloc().buffer(4).writeInt(v);
    }

    static ByteBuf of(int v) {
        return ByteBufAllocator.DEFAULT.buffer(4).writeInt(v);
    }

    /** Reads one int and releases the buffer. */
    static int read(ByteBuf buf) {
        try {
            return buf.readInt();
        } finally {
            buf.release();
        }
    }

    /** The median and the maximum of {@code nanos}, in milliseconds, for a note. */
    static String latencies(long[] nanos) {
        if (nanos.length == 0) {
            return "no samples";
        }
        if (nanos.length == 1) {
            return String.format("1 ping, %.1f ms (it waited for the whole batch)", nanos[0] / 1e6);
        }
        long[] s = nanos.clone();
        Arrays.sort(s);
        return String.format("%d pings, median %.2f ms, max %.1f ms", s.length, s[s.length / 2] / 1e6, s[s.length - 1] / 1e6);
    }
}
