package dev.weft.examples.pitfalls;

import dev.weft.core.tcp.TcpConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * N+1 round trips: fetch a list, then each item with its own request, one after the other: N waits
 * for the network, each doing nothing but wait. Fixed: pipeline them: start every request, then take
 * the replies (Weft writes them back to back on one connection and matches replies in order). One
 * batched request (all ids in one frame, for a server that takes batches; this one does) is the
 * other fix, timed in the fixed side's note.
 */
final class NPlusOne extends Pitfall {
    private final TcpPair tcp;
    private final int items;

    NPlusOne(Size size) {
        super("N+1 sequential round trips", "N requests one after another wait N round trips; pipelined, they share one");
        items = pick(size, 50, 1_000);   // at most TcpOptions' maxPendingRequests (1024) in flight
        tcp = new TcpPair("n-plus-one", NPlusOne::price, NPlusOne::price);
    }

    /** The item service: the price of item {@code id}; given several ids (a batch), their total. */
    private static io.netty.buffer.ByteBuf price(io.netty.buffer.ByteBuf request) {
        int total = 0;
        while (request.isReadable()) {
            total += request.readInt() * 3 + 1;
        }
        return Ints.of(total);
    }

    /** The other fix: one request carrying every id. */
    private Object batched() {
        TcpConnection conn = tcp.fixed;
        return tcp.co.launch(() -> {
            io.netty.buffer.ByteBuf all = conn.alloc().buffer(4 * items);
            for (int id = 0; id < items; id++) {
                all.writeInt(id);
            }
            return (long) Ints.read(tcp.co.request(conn, all));
        }).join();
    }

    @Override
    String fixedNote() throws Exception {
        Harness.Timed b = Harness.median(this::batched, 5);
        return "one batched request instead: " + Harness.time(b.nanos()) + " (median of 5), answer "
                + (b.answer().equals(fixed()) ? "the same" : "DIFFERENT: " + b.answer());
    }

    @Override
    Object naive() {
        TcpConnection conn = tcp.naive;
        return tcp.co.launch(() -> {
            long total = 0;
            for (int id = 0; id < items; id++) {
                total += Ints.read(tcp.co.request(conn, Ints.of(conn, id)));   // waits a round trip each
            }
            return total;
        }).join();
    }

    @Override
    Object fixed() {
        TcpConnection conn = tcp.fixed;
        return tcp.co.launch(() -> {
            List<Callable<Integer>> lookups = new ArrayList<>();
            for (int id = 0; id < items; id++) {
                int i = id;
                lookups.add(() -> Ints.read(tcp.co.request(conn, Ints.of(conn, i))));
            }
            long total = 0;
            for (int price : tcp.co.all(lookups)) {    // all in flight at once, one coroutine each
                total += price;
            }
            return total;
        }).join();
    }

    @Override
    String timeMeans() {
        return items + " item lookups over one loopback connection";
    }

    @Override
    public void close() {
        tcp.close();
    }
}
