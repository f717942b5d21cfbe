package dev.weft.examples.pitfalls;

import dev.weft.callbacks.CallbackRequestHandler;
import dev.weft.callbacks.Callbacks;
import dev.weft.core.BlockedLoop;
import dev.weft.core.BlockedLoopHandler;
import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpServer;
import dev.weft.coroutines.Coroutine;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking call inside a callback: a request handler that sleeps (think JDBC, a file read, a
 * synchronous HTTP call) runs on the loop thread, so every other connection of that loop waits.
 * Fixed: {@code cb.offload(...)} runs it on the worker pool and replies on the loop. Beside the time,
 * a second connection pings the same server throughout: its latency is what the other users see.
 * Weft's blocked-loop detector (threshold 50 ms here) reports the naive handler, naming its frame.
 */
final class BlockingCall extends Pitfall {
    private static final Duration THRESHOLD = Duration.ofMillis(50);
    private static final int PING = -1;

    private final AtomicInteger reports = new AtomicInteger();
    private volatile String firstReport;
    private final WeftRuntime server = WeftRuntime.builder().name("blocking").loops(1)
            .blockedLoopThreshold(THRESHOLD)
            .blockedLoopHandler(new BlockedLoopHandler() {
                @Override
                public void onBlocked(BlockedLoop report) {
                    reports.incrementAndGet();
                    String frame = ourFrame(report);
                    if (firstReport == null && frame != null) {   // not Netty's start-up, say: ours
                        firstReport = "loop " + report.loop() + " blocked for " + report.blockedFor().toMillis()
                                + " ms, at " + frame;
                    }
                }
            }).build();
    private final WeftRuntime client = WeftRuntime.builder().name("blocking-client").loops(1).build();
    private final Futures fu = Futures.of(client);
    private final Coroutines co = Coroutines.of(client);
    private final Callbacks cb = Callbacks.of(server);
    private final TcpServer naiveServer;
    private final TcpServer fixedServer;
    private final TcpConnection[] naiveConns;
    private final TcpConnection[] fixedConns;
    private final int slowRequests;
    private final int blockMillis;
    private final List<long[]> pings = new ArrayList<>(List.of(new long[0], new long[0]));
    private int naiveReports;
    private int fixedReports;

    BlockingCall(Size size) throws Exception {
        super("blocking call in a callback", "a handler that blocks holds the loop: the other connections wait; offload it");
        slowRequests = pick(size, 2, 4);
        blockMillis = 60;
        naiveServer = serve((request, reply) -> {
            int v = request.readInt();
            if (v != PING) {
                Thread.sleep(blockMillis);                       // the pitfall: blocks the loop thread
            }
            reply.onComplete(Ints.of(v), null);
        });
        fixedServer = serve((request, reply) -> {
            int v = request.readInt();
            if (v == PING) {
                reply.onComplete(Ints.of(v), null);
                return;
            }
            cb.offload(() -> {                                    // on the worker pool; replies on the loop
                Thread.sleep(blockMillis);
                return Ints.of(v);
            }, reply);
        });
        naiveConns = new TcpConnection[] {fu.connect(naiveServer.localAddress()).get(), fu.connect(naiveServer.localAddress()).get()};
        fixedConns = new TcpConnection[] {fu.connect(fixedServer.localAddress()).get(), fu.connect(fixedServer.localAddress()).get()};
    }

    private TcpServer serve(CallbackRequestHandler handler) throws Exception {
        CompletableFuture<TcpServer> s = new CompletableFuture<>();
        cb.serve(handler, (srv, err) -> {
            if (err != null) {
                s.completeExceptionally(err);
            } else {
                s.complete(srv);
            }
        });
        return s.get();
    }

    @Override
    Object naive() throws Exception {
        int before = reports.get();
        Object answer = run(naiveConns, 0);
        naiveReports += reports.get() - before;
        return answer;
    }

    @Override
    Object fixed() throws Exception {
        int before = reports.get();
        Object answer = run(fixedConns, 1);
        fixedReports += reports.get() - before;
        return answer;
    }

    /** Slow requests on one connection; meanwhile pings, one at a time, on the other. */
    private long run(TcpConnection[] conns, int side) throws Exception {
        TcpConnection slowConn = conns[0];
        TcpConnection pingConn = conns[1];
        List<CompletableFuture<Integer>> slow = new ArrayList<>();
        for (int i = 0; i < slowRequests; i++) {
            slow.add(fu.request(slowConn, Ints.of(slowConn, i)).thenApply(Ints::read));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(slow.toArray(CompletableFuture[]::new));
        Coroutine<long[]> pinger = co.launch(() -> {
            List<Long> took = new ArrayList<>();
            while (!all.isDone()) {
                long t0 = System.nanoTime();
                Ints.read(co.request(pingConn, Ints.of(pingConn, PING)));
                took.add(System.nanoTime() - t0);
                co.delay(Duration.ofMillis(2));
            }
            return took.stream().mapToLong(Long::longValue).toArray();
        });
        all.get();
        pings.set(side, pinger.join());
        long sum = 0;
        for (CompletableFuture<Integer> f : slow) {
            sum += f.get();
        }
        return sum;
    }

    /** The innermost frame of the example's own code on the blocked stack, or null. */
    private static String ourFrame(BlockedLoop r) {
        return r.blockingStack().stream().filter(e -> e.getClassName().startsWith("dev.weft.examples"))
                .findFirst().map(StackTraceElement::toString).orElse(null);
    }

    @Override
    String timeMeans() {
        return slowRequests + " requests whose handler blocks " + blockMillis + " ms, on one server loop";
    }

    @Override
    String naiveNote() {
        return "ping on another connection: " + Ints.latencies(pings.get(0)) + "; blocked-loop detector: "
                + naiveReports + " report(s)" + (firstReport == null ? "" : ", first: " + firstReport);
    }

    @Override
    String fixedNote() {
        return "ping on another connection: " + Ints.latencies(pings.get(1)) + "; blocked-loop detector: "
                + fixedReports + " report(s)";
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
