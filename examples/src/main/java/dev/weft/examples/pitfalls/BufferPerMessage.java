package dev.weft.examples.pitfalls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * A new (unpooled, direct) buffer for every message: each one is a fresh allocation of native
 * memory, zeroed and freed again. Fixed: Netty's pooled allocator (what {@code conn.alloc()} gives
 * in Weft) hands out a slice of a cached chunk and takes it back on {@code release()}.
 */
final class BufferPerMessage extends Pitfall {
    private static final int MESSAGE = 1024;
    private final ByteBufAllocator pooled = PooledByteBufAllocator.DEFAULT;
    private final int messages;
    private final byte[] payload = new byte[MESSAGE - 8];

    BufferPerMessage(Size size) {
        super("a new buffer per message", "an unpooled direct buffer is a native allocation and free each time; the pool reuses memory");
        messages = pick(size, 2_000, 200_000);
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
    }

    @Override
    Object naive() {
        long sum = 0;
        for (int i = 0; i < messages; i++) {
            sum += encode(Unpooled.directBuffer(MESSAGE), i);
        }
        return sum;
    }

    @Override
    Object fixed() {
        long sum = 0;
        for (int i = 0; i < messages; i++) {
            sum += encode(pooled.directBuffer(MESSAGE), i);
        }
        return sum;
    }

    /** Writes one message, reads a checksum back, releases the buffer. */
    private long encode(ByteBuf buf, int i) {
        try {
            buf.writeLong(i).writeBytes(payload);
            return buf.getLong(0) + buf.getByte(MESSAGE - 1);
        } finally {
            buf.release();
        }
    }

    @Override
    String timeMeans() {
        return String.format("%,d messages of %d bytes: allocate, write, read back, release", messages, MESSAGE);
    }
}
