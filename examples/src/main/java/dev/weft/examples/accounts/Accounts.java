package dev.weft.examples.accounts;

import dev.weft.callbacks.Callbacks;
import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One program, three styles: fetch a user, then their three accounts in parallel, then the total,
 * all under one deadline, written once per style ({@link CallbacksClient}, {@link FuturesClient},
 * {@link CoroutinesClient}, to be read side by side) against the same in-process {@link Bank}.
 * Each style runs three cases:
 * <ul>
 *   <li>{@code ada}: everything answers; the total;
 *   <li>{@code bob}: bob-2's lookup is refused while bob-3's is still running: the failure reaches
 *       the caller and bob-3 is cancelled;
 *   <li>{@code cy}: cy-2 and cy-3 hang past the deadline: both are cancelled, the caller gets
 *       {@code OperationTimeoutException}.
 * </ul>
 * Then it checks that nothing leaked: the hung lookups' late replies were read and released, no
 * operation is pending, no coroutine is alive. Run it with {@code ./weft example accounts}.
 */
public final class Accounts {
    private Accounts() {}

    /** The deadline of one {@code total} call, and how long the bank's slow lookups take. */
    static final Duration DEADLINE = Duration.ofMillis(300);
    static final Duration SLOW = Duration.ofMillis(1500);

    /** One style's entry point, as the runner calls it: blocks this (non-loop) thread for the total. */
    @FunctionalInterface
    interface Style {
        long total(TcpConnection conn, String user, Trace trace) throws Exception;
    }

    /** What a run saw: per style, the text printed for each case; and what was left over at the end. */
    record Result(Map<String, List<String>> lines, int pendingRequests, int pendingOperations, int liveCoroutines) {}

    /** Runs the three styles' three cases with the default deadline (300 ms); takes no arguments. */
    public static void main(String[] args) throws Exception {
        run(System.out, DEADLINE, SLOW);
    }

    static Result run(PrintStream out, Duration deadline, Duration slow) throws Exception {
        try (Bank bank = new Bank(slow);
                WeftRuntime rt = WeftRuntime.builder().name("client").loops(2).build()) {
            Callbacks cb = Callbacks.of(rt);
            Futures fu = Futures.of(rt);
            Coroutines co = Coroutines.of(rt);

            Map<String, Style> styles = new LinkedHashMap<>();
            styles.put("callbacks", (conn, user, trace) -> {
                CompletableFuture<Long> total = new CompletableFuture<>();
                CallbacksClient.total(cb, conn, user, deadline, trace, (v, e) -> {
                    if (e != null) {
                        total.completeExceptionally(e);
                    } else {
                        total.complete(v);
                    }
                });
                return total.get();
            });
            styles.put("futures", (conn, user, trace) -> FuturesClient.total(fu, conn, user, deadline, trace).get());
            styles.put("coroutines", (conn, user, trace) ->
                    co.launch(() -> CoroutinesClient.total(co, conn, user, deadline, trace)).join());

            out.printf("bank on %s; each total has a %d ms deadline; bob-3, cy-2 and cy-3 take %d ms to answer%n",
                    bank.address(), deadline.toMillis(), slow.toMillis());
            warmUp(fu, bank);
            List<TcpConnection> connections = new ArrayList<>();
            Map<String, List<String>> lines = new LinkedHashMap<>();
            for (Map.Entry<String, Style> style : styles.entrySet()) {
                out.println(style.getKey());
                for (String user : List.of("ada", "bob", "cy")) {
                    TcpConnection conn = fu.connect(bank.address()).get(); // one connection per case
                    connections.add(conn);
                    Trace trace = new Trace(Bank.accountsOf(user));
                    String outcome;
                    try {
                        outcome = "total " + money(style.getValue().total(conn, user, trace));
                    } catch (Exception e) {
                        Throwable why = Trace.unwrap(e);
                        outcome = why.getClass().getSimpleName() + ": " + why.getMessage();
                    }
                    String line = String.format("  %-4s %s%n       lookups: %s", user, outcome, trace);
                    out.println(line);
                    lines.computeIfAbsent(style.getKey(), k -> new ArrayList<>()).add(line);
                }
                if (style.getKey().equals("futures")) {
                    out.println("  (" + Trace.UNSEEN + ": cancelled with its stages; a cancelled stage runs no whenComplete action)");
                }
            }

            // The bank still answers the lookups the clients gave up on (the wire has no "cancel").
            // One last request per connection: its reply comes after theirs (replies keep request
            // order), so once it is here every late reply has arrived, and Weft has released it.
            int pendingRequests = 0;
            for (TcpConnection conn : connections) {
                Bank.decode(fu.request(conn, Bank.encode(conn, "user ada")).get());
                pendingRequests += conn.pendingRequests();
                fu.close(conn).get();
            }
            Result result = new Result(lines, pendingRequests, pendingOnLoops(rt), co.liveCoroutines());
            out.printf("leaks: the bank answered %d slow lookups after their callers gave up; their replies were"
                    + " released on arrival. Left over: %d requests pending, %d operations pending, %d coroutines alive%n",
                    bank.answeredSlow(), result.pendingRequests(), result.pendingOperations(), result.liveCoroutines());
            return result;
        }
    }

    /**
     * Operations still registered on the loops, read on each loop (off it, the count is racy). A
     * closed connection leaves the registry when Netty reports its socket inactive, a task or two
     * after its close completed; so this waits up to a second for the count to reach zero.
     */
    private static int pendingOnLoops(WeftRuntime rt) throws Exception {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (true) {
            int pending = 0;
            for (Loop loop : rt.loops()) {
                CompletableFuture<Integer> n = new CompletableFuture<>();
                loop.execute(() -> n.complete(loop.pendingOperations()));
                pending += n.get();
            }
            if (pending == 0 || System.nanoTime() > deadline) {
                return pending;
            }
            Thread.sleep(1);
        }
    }

    /**
     * One request outside any deadline first: the first use of a pooled buffer on a loop initialises
     * Netty (and registers its JFR events), which can hold that loop for a few hundred milliseconds.
     */
    private static void warmUp(Futures fu, Bank bank) throws Exception {
        for (int i = 0; i < fu.runtime().loops().size(); i++) {
            TcpConnection conn = fu.on(fu.runtime().loop(i)).connect(bank.address()).get();
            Bank.decode(fu.request(conn, Bank.encode(conn, "user ada")).get());
            fu.close(conn).get();
        }
    }

    /** Cents as money: 15975 -> "159.75". */
    static String money(long cents) {
        return String.format("%d.%02d", cents / 100, cents % 100);
    }
}
