package dev.weft.examples.accounts;

import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpServer;
import dev.weft.futures.Futures;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-process server every client style talks to: a Weft TCP server on its own runtime, answering
 * one-line text requests.
 *
 * <pre>
 * "user ada"        -> "ok ada-1,ada-2,ada-3"
 * "balance ada-1"   -> "ok 12000"                  (cents)
 * "balance bob-2"   -> "err account bob-2 is frozen"
 * "balance cy-2"    -> "ok 700", but only after {@code slow} (a lookup that hangs)
 * </pre>
 *
 * The wire format has no error frame (a handler that fails closes its connection), so a failed lookup
 * is an ordinary reply, {@code "err ..."}, that {@link #decode} turns into a {@link LookupFailedException}.
 * Replies on one connection come back in request order (Weft's pipelining), even when a later
 * request is answered first.
 */
final class Bank implements AutoCloseable {
    /** Users and their accounts; an account's balance in cents, {@code -1}: frozen (the lookup fails). */
    private static final Map<String, String> USERS = Map.of(
            "ada", "ada-1,ada-2,ada-3",
            "bob", "bob-1,bob-2,bob-3",
            "cy", "cy-1,cy-2,cy-3");
    private static final Map<String, Long> BALANCES = Map.of(
            "ada-1", 12_000L, "ada-2", 3_450L, "ada-3", 525L,
            "bob-1", 1_000L, "bob-2", -1L, "bob-3", 9_900L,
            "cy-1", 100L, "cy-2", 700L, "cy-3", 800L);
    /** Lookups that take {@code slow} to answer: bob-3 (so that bob-2's failure finds it running), cy-2, cy-3. */
    private static final java.util.Set<String> SLOW = java.util.Set.of("bob-3", "cy-2", "cy-3");

    private final WeftRuntime rt = WeftRuntime.builder().name("bank").loops(1).build();
    private final Futures fu = Futures.of(rt);
    private final TcpServer server;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger answeredSlow = new AtomicInteger();

    Bank(Duration slow) {
        try {
            server = serve(slow);
        } catch (RuntimeException | Error e) {
            rt.close(); // nothing may be left running when the bank cannot start
            throw e;
        }
    }

    private TcpServer serve(Duration slow) {
        // A futures-style handler: the reply is a future; a slow lookup is a timer, not a sleeping thread.
        return fu.serve(request -> {
            String query = request.toString(StandardCharsets.UTF_8); // the request is Weft's: not released here
            String account = query.substring(query.indexOf(' ') + 1);
            Duration delay = SLOW.contains(account) ? slow : Duration.ZERO;
            inFlight.incrementAndGet();
            return fu.schedule(delay, () -> {
                inFlight.decrementAndGet();
                if (delay != Duration.ZERO) {
                    answeredSlow.incrementAndGet();
                }
                return encode(ByteBufAllocator.DEFAULT, answer(query));
            });
        }).join();
    }

    private static String answer(String query) {
        String[] q = query.split(" ", 2);
        if (q.length == 2 && q[0].equals("user") && USERS.containsKey(q[1])) {
            return "ok " + USERS.get(q[1]);
        }
        if (q.length == 2 && q[0].equals("balance") && BALANCES.containsKey(q[1])) {
            long cents = BALANCES.get(q[1]);
            return cents < 0 ? "err account " + q[1] + " is frozen" : "ok " + cents;
        }
        return "err unknown request '" + query + "'";
    }

    /** The accounts of {@code user}, as the bank will list them. */
    static List<String> accountsOf(String user) {
        return List.of(USERS.get(user).split(","));
    }

    InetSocketAddress address() {
        return server.localAddress();
    }

    /** Requests being worked on now (a slow lookup stays here until answered, whether anyone still waits). */
    int inFlight() {
        return inFlight.get();
    }

    /** Slow lookups answered so far. */
    int answeredSlow() {
        return answeredSlow.get();
    }

    /** A request frame for {@code text}, from the connection's pooled allocator. */
    static ByteBuf encode(TcpConnection conn, String text) {
        return encode(conn.alloc(), text);
    }

    private static ByteBuf encode(ByteBufAllocator alloc, String text) {
        return ByteBufUtil.writeUtf8(alloc, text);
    }

    /**
     * Reads and releases a reply: {@code "ok X"} gives {@code X}; {@code "err why"} throws
     * {@link LookupFailedException}.
     */
    static String decode(ByteBuf reply) {
        String text;
        try {
            text = reply.toString(StandardCharsets.UTF_8);
        } finally {
            reply.release();
        }
        if (text.startsWith("ok ")) {
            return text.substring(3);
        }
        throw new LookupFailedException(text.startsWith("err ") ? text.substring(4) : "bad reply '" + text + "'");
    }

    @Override
    public void close() {
        fu.close(server).join();
        rt.close();
    }

    /** The server said no: an application-level failure, carried in an ordinary reply. */
    static final class LookupFailedException extends RuntimeException {
        LookupFailedException(String message) {
            super(message);
        }
    }
}
