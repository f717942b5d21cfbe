package dev.weft.examples.pitfalls;

import dev.weft.core.tcp.TcpConnection;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Per-item lookups in a list inside a request handler: each request carries {@code m} ids and the
 * handler checks each against an allow-list of {@code n}; {@code List.contains} scans, so a request
 * costs O(n·m). Fixed: the same allow-list as a {@code HashSet}, O(m) per request.
 */
final class ListLookup extends Pitfall {
    private final TcpPair tcp;
    private final int allowedCount;
    private final int ids;
    private final int requests;
    private final int[][] batches;

    ListLookup(Size size) {
        super("list vs set lookups in a handler", "List.contains scans the whole list per id: O(n*m) per request; a HashSet is O(m)");
        int allowed = pick(size, 2_000, 20_000);
        allowedCount = allowed;
        ids = pick(size, 50, 500);
        requests = pick(size, 2, 10);
        List<Integer> list = new ArrayList<>();
        for (int i = 0; i < allowed; i++) {
            list.add(2 * i);                 // the even numbers below 2n are allowed
        }
        Set<Integer> set = new HashSet<>(list);
        tcp = new TcpPair("list-lookup", request -> count(request, list), request -> count(request, set));
        Random random = new Random(42);
        batches = new int[requests][ids];
        for (int[] b : batches) {
            for (int i = 0; i < ids; i++) {
                b[i] = random.nextInt(2 * allowed);
            }
        }
    }

    /** The handler: how many of the request's ids are allowed. Runs on the server's loop. */
    private static ByteBuf count(ByteBuf request, Collection<Integer> allowed) {
        int n = 0;
        while (request.isReadable()) {
            if (allowed.contains(request.readInt())) {
                n++;
            }
        }
        return Ints.of(n);
    }

    @Override
    Object naive() {
        return run(tcp.naive);
    }

    @Override
    Object fixed() {
        return run(tcp.fixed);
    }

    private long run(TcpConnection conn) {
        return tcp.co.launch(() -> {
            long allowed = 0;
            for (int[] batch : batches) {
                ByteBuf req = conn.alloc().buffer(4 * batch.length);
                for (int id : batch) {
                    req.writeInt(id);
                }
                allowed += Ints.read(tcp.co.request(conn, req));
            }
            return allowed;
        }).join();
    }

    @Override
    String timeMeans() {
        return requests + " requests of " + ids + " ids each, against an allow-list of " + allowedCount;
    }

    @Override
    public void close() {
        tcp.close();
    }
}
