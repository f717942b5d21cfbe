package dev.weft.futures;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.OpListener;
import dev.weft.core.Ops;
import dev.weft.core.Promise;
import dev.weft.core.Repeat;
import dev.weft.core.Scope;
import dev.weft.core.WeftRuntime;
import dev.weft.core.internal.Checks;
import dev.weft.core.internal.Completer;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpOptions;
import dev.weft.core.tcp.TcpServer;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Weft in {@link CompletableFuture} style. Each operation returns a {@link WeftFuture}: completed on
 * the loop thread (dependents run there, not on the common pool), and cancelling it cancels the
 * operation underneath.
 *
 * <pre>{@code
 * Futures fu = Futures.of(runtime);
 * fu.submit(() -> 6 * 7)
 *   .thenCompose(answer -> fu.delay(Duration.ofMillis(10)).thenApply(v -> answer))
 *   .thenAccept(System.out::println);
 * }</pre>
 *
 * <p>Which loop, errors and threads: as for every facade. Bad arguments and a closed runtime throw
 * right away; every other failure completes the future exceptionally.
 *
 * <p>Combinators ({@link #all}, {@link #any}, {@link #race}, {@link #timeout}) own the stages they
 * are given, as core's {@link Ops} own their operations: a stage that loses is cancelled, and a
 * reference-counted value that reaches the combinator after it ended (or loses to another) is
 * released. Do not also read a combined stage's value elsewhere.
 *
 * <p>TCP: {@link #connect}, {@link #request}, {@link #send}, {@link #close(TcpConnection)} on the
 * client side, {@link #serve} with a {@link FutureRequestHandler} on the server side, over the core
 * {@link TcpConnection} and {@link TcpServer}. See {@link dev.weft.core.tcp} for the wire format,
 * buffer ownership and limits.
 */
public final class Futures {

    private final WeftRuntime runtime;
    private final Loop fixedLoop;
    /** {@code weft.style.ops{style=futures}}, shared by every instance on the runtime; {@code null} without a registry. */
    private final Counter opsStarted;
    /** The scope that owns what this view starts, or {@code null} (an unscoped facade). */
    private final Scope<?> scope;

    private Futures(WeftRuntime runtime, Loop fixedLoop, Counter opsStarted, Scope<?> scope) {
        this.runtime = runtime;
        this.fixedLoop = fixedLoop;
        this.opsStarted = opsStarted;
        this.scope = scope;
    }

    /** Future-style operations on {@code runtime}. */
    public static Futures of(WeftRuntime runtime) {
        Checks.notNull(runtime, "runtime");
        return new Futures(runtime, null, runtime.meterRegistry()
                .map(r -> Counter.builder("weft.style.ops").description("operations started through a style's facade")
                        .tags("runtime", runtime.name(), "style", "futures").register(r))
                .orElse(null), null);
    }

    /**
     * The same operations, always started on {@code loop}. (A scoped view's operations stay in its
     * scope, on the loop given.)
     */
    public Futures on(Loop loop) {
        Checks.ownLoop(runtime, loop);
        return new Futures(runtime, loop, opsStarted, scope);
    }

    /** Counts an operation this facade started (a null check without a registry). */
    private <T> WeftFuture<T> started(WeftFuture<T> f) {
        if (opsStarted != null) {
            opsStarted.increment();
        }
        return f;
    }

    /** The runtime these operations run on. */
    public WeftRuntime runtime() {
        return runtime;
    }

    /**
     * In a scoped view: starts the operation as a child of the scope, which then owns it; the future
     * hears its outcome and cancels it.
     */
    private <T> WeftFuture<T> forked(WeftFuture<T> f, Scope.Start<T> start) {
        scope.fork(l -> {
            Op<T> op = (Op<T>) start.start(l);
            f.bind(op);
            return op;
        }, f);
        return started(f);
    }

    private Loop loop() {
        return fixedLoop != null ? fixedLoop : runtime.loop();
    }

    /** Completes with {@code null} after {@code delay}. */
    public WeftFuture<Void> delay(Duration delay) {
        Checks.notNegative(delay, "delay");
        Loop loop = loop();
        WeftFuture<Void> f = new WeftFuture<>(loop);
        if (scope != null) {
            return forked(f, l -> loop.delay(delay, l));
        }
        f.bind(loop.delay(delay, f));
        return started(f);
    }

    /** Runs {@code task} on the loop after {@code delay}. */
    public <T> WeftFuture<T> schedule(Duration delay, Callable<? extends T> task) {
        Checks.notNegative(delay, "delay");
        Checks.notNull(task, "task");
        Loop loop = loop();
        WeftFuture<T> f = new WeftFuture<>(loop);
        if (scope != null) {
            return forked(f, l -> loop.schedule(delay, task, l));
        }
        f.bind(loop.schedule(delay, task, f));
        return started(f);
    }

    /**
     * A repeating timer at a fixed rate: runs {@code tick} on the loop every {@code period}, the first
     * time after one period. The future never succeeds: cancel it to stop the timer; it completes
     * exceptionally with the tick's exception if one throws, or with
     * {@link dev.weft.core.RuntimeClosedException} at close. See {@link Loop#every}.
     */
    public WeftFuture<Void> every(Duration period, Runnable tick) {
        return every(period, period, Repeat.FIXED_RATE, tick);
    }

    /** A repeating timer; {@code repeat} says whether ticks keep a fixed rate or a fixed gap. See {@link Loop#every}. */
    public WeftFuture<Void> every(Duration initialDelay, Duration period, Repeat repeat, Runnable tick) {
        Loop loop = loop();
        WeftFuture<Void> f = new WeftFuture<>(loop);
        if (scope != null) {
            return forked(f, l -> loop.every(initialDelay, period, repeat, tick, l));
        }
        f.bind(loop.every(initialDelay, period, repeat, tick, f));
        return started(f);
    }

    /** Runs {@code task} on the loop on a later turn. */
    public <T> WeftFuture<T> submit(Callable<? extends T> task) {
        Checks.notNull(task, "task");
        Loop loop = loop();
        WeftFuture<T> f = new WeftFuture<>(loop);
        if (scope != null) {
            return forked(f, l -> loop.submit(task, l));
        }
        f.bind(loop.submit(task, f));
        return started(f);
    }

    /** Runs {@code task} on the loop's next iteration (after it polled I/O). */
    public <T> WeftFuture<T> tick(Callable<? extends T> task) {
        Checks.notNull(task, "task");
        Loop loop = loop();
        WeftFuture<T> f = new WeftFuture<>(loop);
        if (scope != null) {
            return forked(f, l -> loop.tick(task, l));
        }
        f.bind(loop.tick(task, f));
        return started(f);
    }

    /** Runs blocking {@code task} on the worker pool; completes on the loop. */
    public <T> WeftFuture<T> offload(Callable<? extends T> task) {
        Checks.notNull(task, "task");
        Loop loop = loop();
        WeftFuture<T> f = new WeftFuture<>(loop);
        if (scope != null) {
            return forked(f, l -> loop.offload(task, l));
        }
        f.bind(loop.offload(task, f));
        return started(f);
    }

    /** A future of a core operation (the op's one listener becomes the future). */
    public <T> WeftFuture<T> from(Op<T> op) {
        Checks.notNull(op, "op");
        WeftFuture<T> f = new WeftFuture<>(op.loop());
        if (scope != null) {
            return forked(f, l -> {
                op.onComplete(l);
                return op;
            });
        }
        f.bind(op);
        op.onComplete(f);
        return f;
    }

    /**
     * A future of a core operation with a deadline: completes like {@code op} if it completes within
     * {@code timeout}; otherwise {@code op} is cancelled (a value it delivers late is disposed of: a
     * buffer released, a connection closed) and the future fails with
     * {@link dev.weft.core.OperationTimeoutException}, which names the timeout. One timer on
     * {@code op}'s loop, cancelled when {@code op} completes first; the future completes on that loop.
     * Cancelling the future cancels {@code op} and the timer.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative, or {@code op} already has its listener
     */
    public <T> WeftFuture<T> from(Op<T> op, Duration timeout) {
        Checks.notNull(op, "op");
        Checks.notNegative(timeout, "timeout");
        WeftFuture<T> f = new WeftFuture<>(op.loop());
        f.bind(Ops.timeout(op.loop(), op, timeout, f));
        return f;
    }

    /** Every value in input order, or the first failure (cancelling the rest). */
    public <T> WeftFuture<List<T>> all(List<? extends CompletionStage<? extends T>> stages) {
        Loop loop = loop();
        WeftFuture<List<T>> f = new WeftFuture<>(loop, true);
        if (scope != null) {
            return forked(f, l -> Ops.all(loop, bridge(loop, stages), l));
        }
        f.bind(Ops.all(loop, bridge(loop, stages), f));
        return started(f);
    }

    /** The first value (cancelling the rest), or {@link dev.weft.core.AllFailedException}. */
    public <T> WeftFuture<T> any(List<? extends CompletionStage<? extends T>> stages) {
        Loop loop = loop();
        WeftFuture<T> f = new WeftFuture<>(loop, true);
        if (scope != null) {
            return forked(f, l -> Ops.any(loop, bridge(loop, stages), l));
        }
        f.bind(Ops.any(loop, bridge(loop, stages), f));
        return started(f);
    }

    /**
     * The first outcome, value or failure; the rest are cancelled.
     *
     * @throws IllegalArgumentException for an empty list
     */
    public <T> WeftFuture<T> race(List<? extends CompletionStage<? extends T>> stages) {
        Checks.noNulls(stages, "stages");
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("stages: [] (expected: at least one operation to race)");
        }
        Loop loop = loop();
        WeftFuture<T> f = new WeftFuture<>(loop, true);
        if (scope != null) {
            return forked(f, l -> Ops.race(loop, bridge(loop, stages), l));
        }
        f.bind(Ops.race(loop, bridge(loop, stages), f));
        return started(f);
    }

    /** Completes like {@code stage} within {@code timeout}, else cancels it and fails with a timeout. */
    public <T> WeftFuture<T> timeout(CompletionStage<? extends T> stage, Duration timeout) {
        Checks.notNull(stage, "stage");
        Checks.notNegative(timeout, "timeout");
        Loop loop = loop();
        WeftFuture<T> f = new WeftFuture<>(loop, true);
        if (scope != null) {
            return forked(f, l -> Ops.timeout(loop, bridge(loop, stage), timeout, l));
        }
        f.bind(Ops.timeout(loop, bridge(loop, stage), timeout, f));
        return started(f);
    }

    // ---------------------------------------------------------------- scopes

    /**
     * Runs {@code body} in a new fail-fast scope. The body runs on the loop (the caller's, or the next
     * one) with a scoped view of this facade: every operation started through that view (and every
     * scope opened through it) belongs to the scope. The returned future completes, on the loop, with
     * the value of the body's stage once that stage AND everything the scope owns have completed. The
     * first failure (of a child, or of the body's stage) cancels everything still running in the
     * scope and becomes the future's, later failures attached as suppressed. Cancelling the returned
     * future cancels everything in the scope (the future itself completes cancelled at once, as a
     * {@code CompletableFuture} must; the scope still awaits its children). See {@link Scope}.
     *
     * <pre>{@code
     * WeftFuture<String> both = fu.scope(scoped -> {
     *     WeftFuture<String> a = scoped.submit(() -> loadA());
     *     WeftFuture<String> b = scoped.offload(() -> loadB());
     *     return a.thenCombine(b, (x, y) -> x + y);          // b failing cancels a
     * });
     * }</pre>
     */
    public <T> WeftFuture<T> scope(Function<? super Futures, ? extends CompletionStage<T>> body) {
        return scope(Scope.Policy.FAIL_FAST, null, body);
    }

    /**
     * {@link #scope(Function)} with a deadline: if the scope still runs after {@code deadline},
     * everything in it is cancelled and the future fails with
     * {@link dev.weft.core.OperationTimeoutException} (one loop timer, no thread).
     */
    public <T> WeftFuture<T> scope(Duration deadline, Function<? super Futures, ? extends CompletionStage<T>> body) {
        return scope(Scope.Policy.FAIL_FAST, Checks.notNegative(deadline, "deadline"), body);
    }

    /**
     * A supervisor scope: like {@link #scope(Function)}, but a child's failure completes that child's
     * future only and cancels nothing else; the body decides. The body stage's failure still cancels
     * the children and ends the scope.
     */
    public <T> WeftFuture<T> supervisorScope(Function<? super Futures, ? extends CompletionStage<T>> body) {
        return scope(Scope.Policy.SUPERVISOR, null, body);
    }

    /** {@link #supervisorScope(Function)} with a deadline (see {@link #scope(Duration, Function)}). */
    public <T> WeftFuture<T> supervisorScope(Duration deadline,
            Function<? super Futures, ? extends CompletionStage<T>> body) {
        return scope(Scope.Policy.SUPERVISOR, Checks.notNegative(deadline, "deadline"), body);
    }

    private <T> WeftFuture<T> scope(Scope.Policy policy, Duration deadline,
            Function<? super Futures, ? extends CompletionStage<T>> body) {
        Checks.notNull(body, "body");
        Loop loop = loop();
        WeftFuture<T> f = new WeftFuture<>(loop, true);
        if (scope != null) { // a child scope of this view's scope
            return forked(f, l -> openScope(loop, policy, deadline, body, l));
        }
        f.bind(openScope(loop, policy, deadline, body, f));
        return started(f);
    }

    private <T> Scope<T> openScope(Loop loop, Scope.Policy policy, Duration deadline,
            Function<? super Futures, ? extends CompletionStage<T>> body, OpListener<? super T> listener) {
        Scope<T> s = Scope.open(loop, policy, deadline, listener);
        Futures view = new Futures(runtime, loop, opsStarted, s);
        Scope.Child<T> done = s.body();
        loop.runNowOrLater(() -> {
            if (s.isDone()) {
                done.onComplete(null, new CancellationException("scope ended before its body ran"));
                return;
            }
            CompletionStage<T> stage;
            try {
                stage = Checks.notNull(body.apply(view), "the body's stage");
            } catch (Throwable t) {
                done.onComplete(null, t);
                return;
            }
            if (stage instanceof Future<?> fut) {
                done.bind(() -> fut.cancel(true));
            }
            stage.whenComplete((v, e) -> done.onComplete(v, e instanceof CompletionException && e.getCause() != null
                    ? e.getCause() : e));
        });
        return s;
    }

    // ---------------------------------------------------------------- TCP

    /** {@link #connect(InetSocketAddress, TcpOptions)} with {@link TcpOptions#defaults()}. */
    public WeftFuture<TcpConnection> connect(InetSocketAddress remote) {
        return connect(remote, TcpOptions.defaults());
    }

    /**
     * Connects to {@code remote}; the connection belongs to the loop this call picked. Fails with
     * {@link dev.weft.core.tcp.TcpConnectException} (refused, unreachable) or
     * {@link dev.weft.core.tcp.TcpConnectTimeoutException}. Cancelling the future closes the half-open
     * socket (and a connection that completes as it is cancelled). See {@link TcpConnection}.
     */
    public WeftFuture<TcpConnection> connect(InetSocketAddress remote, TcpOptions options) {
        Loop loop = loop();
        WeftFuture<TcpConnection> f = new WeftFuture<>(loop, true);
        if (scope != null) {
            return forked(f, l -> TcpConnection.connect(loop, remote, options, l));
        }
        f.bind(TcpConnection.connect(loop, remote, options, f));
        return started(f);
    }

    /**
     * Sends {@code request} on {@code connection}; the future completes, on the connection's loop,
     * with the reply, which its consumer then owns and must release (a reply that arrives as the future
     * is cancelled is released by Weft). The request buffer belongs to Weft from this call on (also
     * when it throws). Pipelining, backpressure ({@link dev.weft.core.tcp.ConnectionBusyException}),
     * cancellation of written requests and failures: see {@link TcpConnection}.
     */
    public WeftFuture<ByteBuf> request(TcpConnection connection, ByteBuf request) {
        if (connection == null) {
            ReferenceCountUtil.release(request);
            Checks.notNull(connection, "connection");
        }
        WeftFuture<ByteBuf> f = new WeftFuture<>(connection.loop()); // releases a reply that lost to a cancel
        if (scope != null) {
            return forked(f, l -> connection.request(request, l));
        }
        f.bind(connection.request(request, f));
        return started(f);
    }

    /**
     * {@link #request(TcpConnection, ByteBuf)} with a deadline: if the reply has not arrived within
     * {@code timeout}, the request is cancelled (its reply, when it comes, is read and released, and
     * later replies still match their requests) and the future fails with
     * {@link dev.weft.core.OperationTimeoutException}, which names the timeout. One timer on the
     * connection's loop, cancelled when the reply comes first; no thread. The request buffer belongs to
     * Weft from this call on (also when it throws).
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public WeftFuture<ByteBuf> request(TcpConnection connection, ByteBuf request, Duration timeout) {
        if (connection == null || timeout == null || timeout.isNegative()) {
            ReferenceCountUtil.release(request);
            Checks.notNull(connection, "connection");
            Checks.notNegative(timeout, "timeout");
        }
        Loop loop = connection.loop();
        WeftFuture<ByteBuf> f = new WeftFuture<>(loop);
        f.bind(Ops.timeout(loop, connection.request(request, null), timeout, f));
        return started(f);
    }

    /**
     * Sends {@code frame} without awaiting a reply; completes with {@code null} once it was written to
     * the socket (the server's reply to it is read and dropped). Owns {@code frame} from this call on.
     */
    public WeftFuture<Void> send(TcpConnection connection, ByteBuf frame) {
        if (connection == null) {
            ReferenceCountUtil.release(frame);
            Checks.notNull(connection, "connection");
        }
        WeftFuture<Void> f = new WeftFuture<>(connection.loop());
        if (scope != null) {
            return forked(f, l -> connection.send(frame, l));
        }
        f.bind(connection.send(frame, f));
        return started(f);
    }

    /** Closes {@code connection} (its pending requests fail); completes once the socket is closed. */
    public WeftFuture<Void> close(TcpConnection connection) {
        Checks.notNull(connection, "connection");
        WeftFuture<Void> f = new WeftFuture<>(connection.loop());
        f.bind(connection.close(f));
        return started(f);
    }

    /** {@link #serve(TcpOptions, FutureRequestHandler)} with {@link TcpOptions#defaults()} (loopback, ephemeral port). */
    public WeftFuture<TcpServer> serve(FutureRequestHandler handler) {
        return serve(TcpOptions.defaults(), handler);
    }

    /**
     * Listens on {@link TcpOptions#bindAddress()} and serves every request with {@code handler};
     * completes with the running server ({@link TcpServer#localAddress()} has the port it got) or
     * fails with {@link dev.weft.core.tcp.TcpBindException}. Connections are spread over the
     * runtime's loops; each handler call runs on its connection's loop. See {@link FutureRequestHandler}.
     */
    public WeftFuture<TcpServer> serve(TcpOptions options, FutureRequestHandler handler) {
        FutureTcpHandler adapter = new FutureTcpHandler(Checks.notNull(handler, "handler"));
        Loop loop = loop();
        WeftFuture<TcpServer> f = new WeftFuture<>(loop, true);
        if (scope != null) {
            return forked(f, l -> TcpServer.bind(loop, options, adapter, l));
        }
        f.bind(TcpServer.bind(loop, options, adapter, f));
        return started(f);
    }

    /** Stops {@code server} and closes its connections; completes once every socket is closed. */
    public WeftFuture<Void> close(TcpServer server) {
        Checks.notNull(server, "server");
        WeftFuture<Void> f = new WeftFuture<>(server.loop());
        f.bind(server.close(f));
        return started(f);
    }

    private static <T> List<Op<T>> bridge(Loop loop, List<? extends CompletionStage<? extends T>> stages) {
        Checks.noNulls(stages, "stages");
        List<Op<T>> ops = new ArrayList<>(stages.size());
        for (CompletionStage<? extends T> s : stages) {
            ops.add(bridge(loop, s));
        }
        return ops;
    }

    /** A promise that follows a stage; cancelling the promise cancels the stage (when it can). */
    @SuppressWarnings("unchecked")
    private static <T> Op<T> bridge(Loop loop, CompletionStage<? extends T> stage) {
        Completer<T> completer = Completer.child(loop);
        Promise<T> p = completer.promise();
        // A value the combinator gave up on is disposed of by the promise. A Weft future hands its
        // outcome over through its own slot: no JDK dependent (see WeftFuture.relayTo).
        if (!(stage instanceof WeftFuture<?> w && ((WeftFuture<T>) w).relayTo(p))) {
            stage.whenComplete(completer);
        }
        if (stage instanceof Future<?> fut) {
            p.whenCancelled(() -> fut.cancel(true));
        }
        return p;
    }
}
