package dev.weft.conformance;

import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpOptions;
import dev.weft.core.tcp.TcpServer;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One style's way of doing each TCP operation of {@link TcpConformanceSuite}. Every method starts
 * the operation the way a user of that style would and returns what the test observes; a coroutine
 * style makes each call inside a coroutine it launches. Buffers passed in are handed over to Weft
 * exactly as a user of the style would hand them over.
 */
public interface TcpStyleDriver {

    /** The style's name, as reports show it. */
    String name();

    /** Whether calls are made inside a coroutine (so argument errors arrive as the coroutine's failure). */
    boolean callsRunInCoroutine();

    /** Whether a server handler of this style runs on the loop's platform thread itself (not in a coroutine). */
    boolean handlersRunOnLoopThread();

    /**
     * Whether a server handler of this style is cancelled when its connection closes before it
     * replied (a coroutine is cancelled, a returned stage is cancelled). A callback handler hands Weft
     * no handle to cancel: it runs on, and its late reply is released.
     */
    boolean handlersAreCancelledWithTheirConnection();

    /**
     * Whether a server handler of this style starts the work it does (an offload) on the connection's
     * loop before the loop's next turn: in the handler call, or in a coroutine the loop carries. A
     * DEFAULT-scheduler coroutine starts it later, on a carrier of the JDK's pool.
     */
    boolean handlersStartTheirWorkOnTheLoop();

    /** Serves with a handler of this style that does what {@code plan} says for each request. */
    Outcome<TcpServer> serve(TcpOptions options, Handling.Plan plan);

    Outcome<TcpConnection> connect(InetSocketAddress remote, TcpOptions options);

    Outcome<ByteBuf> request(TcpConnection connection, ByteBuf request);

    /** A request under this style's timeout combinator. */
    Outcome<ByteBuf> request(TcpConnection connection, ByteBuf request, Duration timeout);

    /** A request with this style's per-operation deadline ({@code request(connection, request, timeout)}). */
    Outcome<ByteBuf> requestWithin(TcpConnection connection, ByteBuf request, Duration timeout);

    Outcome<Void> send(TcpConnection connection, ByteBuf frame);

    Outcome<Void> close(TcpConnection connection);

    Outcome<Void> close(TcpServer server);

    /** Threads of this style still running (live coroutines); 0 for styles that start none. */
    int liveThreads();
}
