package dev.weft.coroutines;

import dev.weft.conformance.Handling;
import dev.weft.conformance.Outcome;
import dev.weft.conformance.TcpStyleDriver;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.Loop;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpOptions;
import dev.weft.core.tcp.TcpServer;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Coroutine style: every client call is made inside a coroutine (on the connection's loop when there
 * is one), one coroutine per call so that requests pipeline; server handlers are blocking-style code.
 */
final class CoroutinesTcpDriver implements TcpStyleDriver {
    private final Coroutines co;

    CoroutinesTcpDriver(Coroutines co) {
        this.co = co;
    }

    private <T> Outcome<T> inCoroutine(Loop loop, Callable<T> body) {
        Outcome<T> o = new Outcome<>();
        Coroutine<T> c = loop != null ? co.launch(loop, body) : co.launch(body);
        c.onComplete(o::deliver);
        return o.handle(c).issued(() -> c.isSuspended() || c.isDone(), c.carrierLoop() != null);
    }

    /** As a user would: the buffer is handed over by the call inside the coroutine; if the coroutine cannot even start, it was never handed over. */
    private <T> Outcome<T> withBuffer(Loop loop, ByteBuf buf, Callable<T> body) {
        try {
            return inCoroutine(loop, body);
        } catch (RuntimeException notStarted) {
            ReferenceCountUtil.release(buf);
            throw notStarted;
        }
    }

    @Override
    public String name() {
        return "coroutines-" + co.scheduler().name().toLowerCase();
    }

    @Override
    public boolean callsRunInCoroutine() {
        return true;
    }

    @Override
    public boolean handlersRunOnLoopThread() {
        return false;
    }

    @Override
    public boolean handlersStartTheirWorkOnTheLoop() {
        return co.scheduler() == CoroutineScheduler.LOOP_AFFINE;
    }

    @Override
    public boolean handlersAreCancelledWithTheirConnection() {
        return true;
    }

    @Override
    public Outcome<TcpServer> serve(TcpOptions options, Handling.Plan plan) {
        return inCoroutine(null, () -> co.serve(options, request -> switch (plan.handle(request)) {
            case Handling.Reply r -> r.reply();
            case Handling.ReplyLater r -> {
                co.delay(r.after());
                yield r.reply().get();
            }
            case Handling.Throw t -> throw t.failure();
            case Handling.FailLater f -> {
                co.delay(f.after());
                throw f.failure();
            }
            case Handling.Await a -> co.await(a.op());
            case Handling.Offload o -> co.offload(o.task());
        }));
    }

    @Override
    public Outcome<TcpConnection> connect(InetSocketAddress remote, TcpOptions options) {
        return inCoroutine(null, () -> co.connect(remote, options));
    }

    @Override
    public Outcome<ByteBuf> request(TcpConnection connection, ByteBuf request) {
        return withBuffer(connection.loop(), request, () -> co.request(connection, request));
    }

    @Override
    public Outcome<ByteBuf> request(TcpConnection connection, ByteBuf request, Duration timeout) {
        return withBuffer(connection.loop(), request, () -> co.withTimeout(timeout, () -> co.request(connection, request)));
    }

    @Override
    public Outcome<ByteBuf> requestWithin(TcpConnection connection, ByteBuf request, Duration timeout) {
        return withBuffer(connection.loop(), request, () -> co.request(connection, request, timeout));
    }

    @Override
    public Outcome<Void> send(TcpConnection connection, ByteBuf frame) {
        return withBuffer(connection.loop(), frame, () -> {
            co.send(connection, frame);
            return null;
        });
    }

    @Override
    public Outcome<Void> close(TcpConnection connection) {
        return inCoroutine(connection.loop(), () -> {
            co.close(connection);
            return null;
        });
    }

    @Override
    public Outcome<Void> close(TcpServer server) {
        return inCoroutine(server.loop(), () -> {
            co.close(server);
            return null;
        });
    }

    @Override
    public int liveThreads() {
        return co.liveCoroutines();
    }
}
