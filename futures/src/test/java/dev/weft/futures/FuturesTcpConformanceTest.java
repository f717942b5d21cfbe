package dev.weft.futures;

import dev.weft.conformance.Handling;
import dev.weft.conformance.Outcome;
import dev.weft.conformance.TcpConformanceSuite;
import dev.weft.conformance.TcpStyleDriver;
import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpOptions;
import dev.weft.core.tcp.TcpServer;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The TCP conformance suite, in CompletableFuture style: future clients, stage-returning server handlers. */
class FuturesTcpConformanceTest extends TcpConformanceSuite {

    @Override
    protected TcpStyleDriver driver(WeftRuntime runtime) {
        return new Driver(Futures.of(runtime));
    }

    static final class Driver implements TcpStyleDriver {
        private final Futures fu;

        Driver(Futures fu) {
            this.fu = fu;
        }

        private static <T> Outcome<T> observe(WeftFuture<T> f) {
            Outcome<T> o = new Outcome<>();
            o.handle(() -> f.cancel(true));
            f.whenCompleteAsync(o::deliver); // on the loop, whenever it completes
            return o;
        }

        @Override
        public String name() {
            return "futures";
        }

        @Override
        public boolean callsRunInCoroutine() {
            return false;
        }

        @Override
        public boolean handlersRunOnLoopThread() {
            return true;
        }

        @Override
        public boolean handlersStartTheirWorkOnTheLoop() {
            return true;
        }

        @Override
        public boolean handlersAreCancelledWithTheirConnection() {
            return true;
        }

        @Override
        public Outcome<TcpServer> serve(TcpOptions options, Handling.Plan plan) {
            return observe(fu.serve(options, request -> switch (plan.handle(request)) {
                case Handling.Reply r -> CompletableFuture.completedFuture(r.reply());
                case Handling.ReplyLater r -> fu.schedule(r.after(), r.reply()::get);
                case Handling.Throw t -> throw t.failure();
                case Handling.FailLater f -> fu.<ByteBuf>schedule(f.after(), () -> {
                    throw f.failure();
                });
                case Handling.Await a -> fu.from(a.op());
                case Handling.Offload o -> fu.offload(o.task());
            }));
        }

        @Override
        public Outcome<TcpConnection> connect(InetSocketAddress remote, TcpOptions options) {
            return observe(fu.connect(remote, options));
        }

        @Override
        public Outcome<ByteBuf> request(TcpConnection connection, ByteBuf request) {
            return observe(fu.request(connection, request));
        }

        @Override
        public Outcome<ByteBuf> request(TcpConnection connection, ByteBuf request, Duration timeout) {
            return observe(fu.timeout(fu.request(connection, request), timeout));
        }

        @Override
        public Outcome<ByteBuf> requestWithin(TcpConnection connection, ByteBuf request, Duration timeout) {
            return observe(fu.request(connection, request, timeout));
        }

        @Override
        public Outcome<Void> send(TcpConnection connection, ByteBuf frame) {
            return observe(fu.send(connection, frame));
        }

        @Override
        public Outcome<Void> close(TcpConnection connection) {
            return observe(fu.close(connection));
        }

        @Override
        public Outcome<Void> close(TcpServer server) {
            return observe(fu.close(server));
        }

        @Override
        public int liveThreads() {
            return 0;
        }
    }
}
