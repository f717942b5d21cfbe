package dev.weft.callbacks;

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

/** The TCP conformance suite, in callback style: callback clients, callback server handlers. */
class CallbacksTcpConformanceTest extends TcpConformanceSuite {

    @Override
    protected TcpStyleDriver driver(WeftRuntime runtime) {
        return new Driver(Callbacks.of(runtime));
    }

    static final class Driver implements TcpStyleDriver {
        private final Callbacks cb;

        Driver(Callbacks cb) {
            this.cb = cb;
        }

        @Override
        public String name() {
            return "callbacks";
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
            return false;
        }

        @Override
        public Outcome<TcpServer> serve(TcpOptions options, Handling.Plan plan) {
            Outcome<TcpServer> o = new Outcome<>();
            return o.handle(cb.serve(options, (request, reply) -> {
                switch (plan.handle(request)) {
                    case Handling.Reply r -> reply.onComplete(r.reply(), null);
                    case Handling.ReplyLater r -> cb.schedule(r.after(), r.reply()::get, reply);
                    case Handling.Throw t -> throw t.failure();
                    case Handling.FailLater f -> cb.schedule(f.after(), () -> {
                        throw f.failure();
                    }, reply);
                    case Handling.Await a -> cb.await(a.op(), reply);
                    case Handling.Offload w -> cb.offload(w.task(), reply);
                }
            }, o::deliver));
        }

        @Override
        public Outcome<TcpConnection> connect(InetSocketAddress remote, TcpOptions options) {
            Outcome<TcpConnection> o = new Outcome<>();
            return o.handle(cb.connect(remote, options, o::deliver));
        }

        @Override
        public Outcome<ByteBuf> request(TcpConnection connection, ByteBuf request) {
            Outcome<ByteBuf> o = new Outcome<>();
            return o.handle(cb.request(connection, request, o::deliver));
        }

        @Override
        public Outcome<ByteBuf> request(TcpConnection connection, ByteBuf request, Duration timeout) {
            Outcome<ByteBuf> o = new Outcome<>();
            return o.handle(cb.timeout(timeout, c -> cb.request(connection, request, c), o::deliver));
        }

        @Override
        public Outcome<ByteBuf> requestWithin(TcpConnection connection, ByteBuf request, Duration timeout) {
            Outcome<ByteBuf> o = new Outcome<>();
            return o.handle(cb.request(connection, request, timeout, o::deliver));
        }

        @Override
        public Outcome<Void> send(TcpConnection connection, ByteBuf frame) {
            Outcome<Void> o = new Outcome<>();
            return o.handle(cb.send(connection, frame, o::deliver));
        }

        @Override
        public Outcome<Void> close(TcpConnection connection) {
            Outcome<Void> o = new Outcome<>();
            return o.handle(cb.close(connection, o::deliver));
        }

        @Override
        public Outcome<Void> close(TcpServer server) {
            Outcome<Void> o = new Outcome<>();
            return o.handle(cb.close(server, o::deliver));
        }

        @Override
        public int liveThreads() {
            return 0;
        }
    }
}
