package dev.weft.examples.pitfalls;

import dev.weft.core.tcp.TcpConnection;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Materialising a whole data set before processing it: fetch every chunk, decode every record into
 * an object, keep them all in a list, then aggregate. Memory grows with the data set, and the
 * collector copies what is kept. Fixed: aggregate each chunk as it arrives, straight from the
 * buffer, and release it: memory stays at one chunk. Peak heap is measured in one extra run of each
 * side (used heap sampled after each chunk, minus the used heap after a GC before the run: it counts
 * garbage not yet collected too, so read it as an order of magnitude).
 */
final class Materialise extends Pitfall {
    private static final int RECORD_BYTES = 4 + 1 + 8;
    private static final int CATEGORIES = 8;

    private final TcpPair tcp;
    private final int chunks;
    private final int perChunk;

    /** A decoded record, as the naive side keeps them. */
    private record Rec(int id, int category, long amount) {}

    Materialise(Size size) {
        super("materialise all, then process", "keeping every record until the end makes memory (and GC work) grow with the data set; streaming keeps one chunk");
        chunks = pick(size, 5, 100);
        perChunk = pick(size, 2_000, 10_000);
        tcp = new TcpPair("materialise", this::chunk, this::chunk);
    }

    /** The data service: chunk {@code i} of the data set (made up on the fly, the same every time). */
    private ByteBuf chunk(ByteBuf request) {
        int c = request.readInt();
        ByteBuf reply = io.netty.buffer.ByteBufAllocator.DEFAULT.buffer(perChunk * RECORD_BYTES);
        for (int k = 0; k < perChunk; k++) {
            int id = c * perChunk + k;
            reply.writeInt(id).writeByte(id % CATEGORIES).writeLong((id * 7919L) % 1000);
        }
        return reply;
    }

    @Override
    Object naive() {
        return materialise(tcp.naive, null);
    }

    @Override
    Object fixed() {
        return stream(tcp.fixed, null);
    }

    private String materialise(TcpConnection conn, long[] peak) {
        return tcp.co.launch(() -> {
            List<Rec> all = new ArrayList<>();
            for (int c = 0; c < chunks; c++) {
                ByteBuf reply = tcp.co.request(conn, Ints.of(conn, c));
                try {
                    while (reply.isReadable()) {
                        all.add(new Rec(reply.readInt(), reply.readByte(), reply.readLong()));
                    }
                } finally {
                    reply.release();
                }
                sample(peak);
            }
            long[] sums = new long[CATEGORIES];          // only now, with everything in memory
            for (Rec r : all) {
                sums[r.category()] += r.amount();
            }
            return Arrays.toString(sums);
        }).join();
    }

    private String stream(TcpConnection conn, long[] peak) {
        return tcp.co.launch(() -> {
            long[] sums = new long[CATEGORIES];
            for (int c = 0; c < chunks; c++) {
                ByteBuf reply = tcp.co.request(conn, Ints.of(conn, c));
                try {
                    while (reply.isReadable()) {
                        reply.skipBytes(4);
                        int category = reply.readByte();
                        sums[category] += reply.readLong();
                    }
                } finally {
                    reply.release();                       // one chunk at a time
                }
                sample(peak);
            }
            return Arrays.toString(sums);
        }).join();
    }

    private static long used() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static void sample(long[] peak) {
        if (peak != null) {
            peak[0] = Math.max(peak[0], used());
        }
    }

    private String peakOf(boolean naive) {
        System.gc();
        long base = used();
        long[] peak = {base};
        if (naive) {
            materialise(tcp.naive, peak);
        } else {
            stream(tcp.fixed, peak);
        }
        return String.format("peak heap in use ~%.0f MB above the start; records held at once: %,d",
                (peak[0] - base) / 1e6, naive ? chunks * perChunk : perChunk);
    }

    @Override
    String naiveNote() {
        return peakOf(true);
    }

    @Override
    String fixedNote() {
        return peakOf(false);
    }

    @Override
    String timeMeans() {
        return String.format("%,d records in %d chunks over one connection, summed per category", chunks * perChunk, chunks);
    }

    @Override
    public void close() {
        tcp.close();
    }
}
