package dev.weft.examples;

import dev.weft.callbacks.Callbacks;
import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpServer;
import dev.weft.coroutines.Coroutine;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import io.netty.buffer.ByteBuf;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The same operations in each of Weft's three styles, as the README shows them: compute 6 x 7 on a
 * loop, wait 10 ms, and ask a TCP echo server for the answer back. After {@code ./weft test} (or
 * {@code ./weft mvn -q install -DskipTests}), run it with
 * <pre>
 * ./weft mvn -q -pl examples exec:exec -Dexec.executable=java \
 *     "-Dexec.args=--add-opens java.base/java.lang=ALL-UNNAMED -cp %classpath dev.weft.examples.EachStyle"
 * </pre>
 * or from an IDE. {@code EachStyleTest} runs it in the build.
 */
public final class EachStyle {
    private EachStyle() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** Runs every style once and prints what each got; returns the three answers' sum (3 x 42). */
    static int run(PrintStream out) throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(2).build()) {
            Coroutines co = Coroutines.of(rt); // loop-affine when the JVM allows it
            TcpServer echo = co.serve(request -> request.retain()); // a coroutine handler: echo
            out.println("echo server on " + echo.localAddress() + ", coroutines on " + co.scheduler());

            // callbacks: each handler runs once, on the loop thread, with a value or a failure
            Callbacks cb = Callbacks.of(rt);
            CompletableFuture<Integer> viaCallbacks = new CompletableFuture<>();
            cb.submit(() -> 6 * 7, (answer, err) -> {
                if (err != null) {
                    viaCallbacks.completeExceptionally(err);
                    return;
                }
                cb.delay(Duration.ofMillis(10), (v, e) -> cb.connect(echo.localAddress(), (conn, e2) -> {
                    if (e2 != null) {
                        viaCallbacks.completeExceptionally(e2);
                        return;
                    }
                    cb.request(conn, conn.alloc().buffer(4).writeInt(answer), (reply, e3) -> {
                        if (e3 != null) {
                            viaCallbacks.completeExceptionally(e3);
                        } else {
                            viaCallbacks.complete(readAndRelease(reply));
                        }
                        cb.close(conn, (x, y) -> { });
                    });
                }));
            });

            // futures: completed on the loop; dependents run there; cancel reaches the operation
            Futures fu = Futures.of(rt);
            CompletableFuture<Integer> viaFutures = fu.submit(() -> 6 * 7)
                    .thenCompose(answer -> fu.delay(Duration.ofMillis(10)).thenApply(v -> answer))
                    .thenCompose(answer -> fu.connect(echo.localAddress())
                            .thenCompose(conn -> fu.request(conn, conn.alloc().buffer(4).writeInt(answer))
                                    .thenApply(EachStyle::readAndRelease)
                                    .whenComplete((r, e) -> fu.close(conn))));

            // coroutines: sequential code on a virtual thread; suspending calls park, completion resumes
            Coroutine<Integer> viaCoroutines = co.launch(() -> {
                int answer = co.submit(() -> 6 * 7);
                co.delay(Duration.ofMillis(10));
                TcpConnection conn = co.connect(echo.localAddress());
                try {
                    return readAndRelease(co.request(conn, conn.alloc().buffer(4).writeInt(answer)));
                } finally {
                    co.close(conn);
                }
            });

            int a = viaCallbacks.get();
            int b = viaFutures.get();
            int c = co.await(viaCoroutines); // outside a coroutine, off the loops: blocks this thread
            out.printf("callbacks: %d, futures: %d, coroutines: %d%n", a, b, c);
            co.close(echo);
            return a + b + c;
        }
    }

    private static int readAndRelease(ByteBuf reply) {
        try {
            return reply.readInt();
        } finally {
            reply.release();
        }
    }
}
