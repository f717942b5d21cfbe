package dev.weft.bench.jmh;

import dev.weft.bench.TcpRig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One pipelined TCP request/reply over loopback, per style and for the floor: the scenario's
 * {@code --io tcp} code ({@link TcpRig}) at a small size. One invocation runs {@value #TASKS} tasks
 * of {@value #STEPS} sequential request/replies each (4-byte value, 8 bytes on the wire each way)
 * over {@value #CONNECTIONS} connections of one loop, to an echo server on its own loop; the score is
 * ns per request/reply, and with {@code -prof gc} bytes allocated per request/reply (both ends: the
 * echo server is in the same JVM). Enough requests are in flight ({@value #TASKS} / {@value #CONNECTIONS}
 * per connection) that the loops stay busy: the score is the cost of the path, not of a wake-up per
 * round trip. {@code floor-netty} is the baseline: plain Netty moving the same
 * bytes the least costly way (see NettyFloorWorkload). Each invocation also pays a hand-off to the
 * loop and a wake-up of the benchmark thread, spread over its {@value #TASKS} x {@value #STEPS} operations.
 * Peers: {@code reactor-mono} is the scenario's Reactor peer, a {@code Mono.flatMap} chain over Weft's
 * own TCP request op (reactor-netty's {@code TcpClient} has no request/reply correlation); Vert.x's
 * {@code NetClient} stalled on Weft's Netty 4.2.18 in the scenario and plain JDK has no async framed TCP
 * client, so neither has a row here.
 *
 * <pre>
 * java --add-opens java.base/java.lang=ALL-UNNAMED -jar bench/target/weft-bench.jar jmh -prof gc TcpRequestReply
 * </pre>
 */
@State(Scope.Benchmark)
public class TcpRequestReplyBenchmark extends AbstractBenchmark {
    static final int TASKS = 1024;
    static final int STEPS = 8;
    static final int CONNECTIONS = 16;

    @Param({"floor-netty", "callbacks", "futures", "coroutines-loop", "coroutines-default", "reactor-mono"})
    public String style;

    private TcpRig rig;

    @Setup(Level.Trial)
    public void setUp() {
        rig = new TcpRig(style, TASKS, STEPS, CONNECTIONS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rig.close();
    }

    @Benchmark
    @OperationsPerInvocation(TASKS * STEPS)
    public void requestReply() throws InterruptedException {
        rig.round();
    }
}
