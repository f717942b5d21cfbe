package dev.weft.callbacks;

import dev.weft.core.Cancellable;
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

/**
 * Weft in callback style. Each operation takes a {@link Callback} and returns a {@link Cancellable}
 * handle; the callback runs exactly once, on the loop thread, with the value or the failure.
 *
 * <pre>{@code
 * Callbacks cb = Callbacks.of(runtime);
 * cb.submit(() -> 6 * 7, (answer, err) -> {
 *     if (err != null) { log.warn("failed", err); return; }
 *     cb.delay(Duration.ofMillis(10), (v, e) -> System.out.println(answer));
 * });
 * }</pre>
 *
 * <p>Which loop: an operation started on a loop thread stays on that loop; from any other thread it
 * goes to the runtime's next loop (round-robin), or to the loop given to {@link #on(Loop)}.
 *
 * <p>Errors: bad arguments throw right away ({@link IllegalArgumentException},
 * {@link NullPointerException}); starting an operation on a closed runtime throws
 * {@link dev.weft.core.RuntimeClosedException}; every other failure arrives in the callback.
 * Calls are safe from any thread. This facade holds no state: it only adapts core operations (and,
 * with a meter registry, counts them in {@code weft.style.ops{style=callbacks}}).
 *
 * <p>TCP: {@link #connect}, {@link #request}, {@link #send}, {@link #close(TcpConnection, Callback)}
 * on the client side, {@link #serve} with a {@link CallbackRequestHandler} on the server side, over
 * the core {@link TcpConnection} and {@link TcpServer} (a connection opened in one style can be used
 * from another). See {@link dev.weft.core.tcp} for the wire format, buffer ownership and limits.
 */
public final class Callbacks {
    private final WeftRuntime runtime;
    private final Loop fixedLoop;
    /** {@code weft.style.ops{style=callbacks}}, shared by every instance on the runtime; {@code null} without a registry. */
    private final Counter opsStarted;
    /** The scope that owns what this view starts, or {@code null} (an unscoped facade). */
    private final Scope<?> scope;

    private Callbacks(WeftRuntime runtime, Loop fixedLoop, Counter opsStarted, Scope<?> scope) {
        this.runtime = runtime;
        this.fixedLoop = fixedLoop;
        this.opsStarted = opsStarted;
        this.scope = scope;
    }

    /** Callback-style operations on {@code runtime}. */
    public static Callbacks of(WeftRuntime runtime) {
        Checks.notNull(runtime, "runtime");
        return new Callbacks(runtime, null, runtime.meterRegistry()
                .map(r -> Counter.builder("weft.style.ops").description("operations started through a style's facade")
                        .tags("runtime", runtime.name(), "style", "callbacks").register(r))
                .orElse(null), null);
    }

    /**
     * The same operations, always started on {@code loop}. (A scoped view's operations stay in its
     * scope, on the loop given.)
     */
    public Callbacks on(Loop loop) {
        Checks.ownLoop(runtime, loop);
        return new Callbacks(runtime, loop, opsStarted, scope);
    }

    /** Counts an operation this facade started (a null check without a registry). */
    private <C extends Cancellable> C started(C op) {
        if (opsStarted != null) {
            opsStarted.increment();
        }
        return op;
    }

    /** The runtime these operations run on. */
    public WeftRuntime runtime() {
        return runtime;
    }

    /** In a scoped view: starts the operation as a child of the scope, which then owns it. */
    private <T> Cancellable scoped(Scope.Start<T> start, Callback<? super T> callback) {
        Checks.notNull(callback, "callback");
        return started(scope.fork(start, callback));
    }

    private Loop loop() {
        return fixedLoop != null ? fixedLoop : runtime.loop();
    }

    /** Calls back with {@code null} after {@code delay}; cancelling stops the timer. */
    public Cancellable delay(Duration delay, Callback<? super Void> callback) {
        if (scope != null) {
            return scoped(l -> loop().delay(delay, l), callback);
        }
        return started(loop().delay(delay, Checks.notNull(callback, "callback")));
    }

    /** Runs {@code task} on the loop after {@code delay} and calls back with its result. */
    public <T> Cancellable schedule(Duration delay, Callable<? extends T> task, Callback<? super T> callback) {
        if (scope != null) {
            return scoped(l -> loop().schedule(delay, task, l), callback);
        }
        return started(loop().schedule(delay, Checks.notNull(task, "task"), Checks.notNull(callback, "callback")));
    }

    /**
     * A repeating timer at a fixed rate: runs {@code tick} on the loop every {@code period}, the first
     * time after one period, until cancelled. {@code ended} is called once when it ends: cancelled
     * ({@link java.util.concurrent.CancellationException}), with the tick's exception if one throws, or
     * with {@link dev.weft.core.RuntimeClosedException} at close. See {@link Loop#every}.
     */
    public Cancellable every(Duration period, Runnable tick, Callback<? super Void> ended) {
        return every(period, period, Repeat.FIXED_RATE, tick, ended);
    }

    /** A repeating timer; {@code repeat} says whether ticks keep a fixed rate or a fixed gap. See {@link Loop#every}. */
    public Cancellable every(Duration initialDelay, Duration period, Repeat repeat, Runnable tick, Callback<? super Void> ended) {
        if (scope != null) {
            return scoped(l -> loop().every(initialDelay, period, repeat, tick, l), ended);
        }
        return started(loop().every(initialDelay, period, repeat, tick, Checks.notNull(ended, "ended")));
    }

    /** Runs {@code task} on the loop on a later turn and calls back with its result. */
    public <T> Cancellable submit(Callable<? extends T> task, Callback<? super T> callback) {
        if (scope != null) {
            return scoped(l -> loop().submit(task, l), callback);
        }
        return started(loop().submit(task, Checks.notNull(callback, "callback")));
    }

    /** Runs {@code task} on the loop's next iteration (after it polled I/O) and calls back with its result. */
    public <T> Cancellable tick(Callable<? extends T> task, Callback<? super T> callback) {
        if (scope != null) {
            return scoped(l -> loop().tick(task, l), callback);
        }
        return started(loop().tick(task, Checks.notNull(callback, "callback")));
    }

    /**
     * Runs blocking {@code task} on the worker pool and calls back on the loop. A full pool calls
     * back with {@link dev.weft.core.WorkerPoolFullException}; cancelling interrupts the task.
     */
    public <T> Cancellable offload(Callable<? extends T> task, Callback<? super T> callback) {
        if (scope != null) {
            return scoped(l -> loop().offload(task, l), callback);
        }
        return started(loop().offload(task, Checks.notNull(callback, "callback")));
    }

    /** Calls back when {@code op} completes (the op's one listener becomes this callback). */
    public <T> Cancellable await(Op<T> op, Callback<? super T> callback) {
        Checks.notNull(op, "op");
        if (scope != null) {
            return scoped(l -> {
                op.onComplete(l);
                return op;
            }, callback);
        }
        op.onComplete(Checks.notNull(callback, "callback"));
        return op;
    }

    /**
     * Calls back when {@code op} completes, if it does within {@code timeout}; otherwise cancels
     * {@code op} (a value it delivers late is disposed of: a buffer released, a connection closed) and
     * calls back with {@link dev.weft.core.OperationTimeoutException}, which names the timeout. One
     * timer on {@code op}'s loop, cancelled when {@code op} completes first; the callback runs on that
     * loop. The handle cancels {@code op} and the timer.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative, or {@code op} already has its listener
     */
    public <T> Cancellable await(Op<T> op, Duration timeout, Callback<? super T> callback) {
        Checks.notNull(op, "op");
        Checks.notNegative(timeout, "timeout");
        Checks.notNull(callback, "callback");
        return Ops.timeout(op.loop(), op, timeout, callback);
    }

    /** Calls back with every value in input order, or with the first failure (cancelling the rest). */
    public <T> Cancellable all(List<? extends AsyncStep<? extends T>> steps, Callback<? super List<T>> callback) {
        Checks.notNull(callback, "callback");
        Loop loop = loop();
        if (scope != null) {
            return scoped(l -> Ops.all(loop, start(loop, steps), l), callback);
        }
        return started(Ops.all(loop, start(loop, steps), callback));
    }

    /**
     * Calls back with the first value (cancelling the rest), or with
     * {@link dev.weft.core.AllFailedException} once all failed or when there are none.
     */
    public <T> Cancellable any(List<? extends AsyncStep<? extends T>> steps, Callback<? super T> callback) {
        Checks.notNull(callback, "callback");
        Loop loop = loop();
        if (scope != null) {
            return scoped(l -> Ops.any(loop, start(loop, steps), l), callback);
        }
        return started(Ops.any(loop, start(loop, steps), callback));
    }

    /**
     * Calls back with the first outcome, value or failure, and cancels the rest.
     *
     * @throws IllegalArgumentException for an empty list
     */
    public <T> Cancellable race(List<? extends AsyncStep<? extends T>> steps, Callback<? super T> callback) {
        Checks.noNulls(steps, "steps");
        Checks.notNull(callback, "callback");
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("steps: [] (expected: at least one operation to race)");
        }
        Loop loop = loop();
        if (scope != null) {
            return scoped(l -> Ops.race(loop, start(loop, steps), l), callback);
        }
        return started(Ops.race(loop, start(loop, steps), callback));
    }

    /**
     * Calls back like {@code step} if it completes within {@code timeout}; otherwise cancels it and
     * calls back with {@link dev.weft.core.OperationTimeoutException}.
     */
    public <T> Cancellable timeout(Duration timeout, AsyncStep<? extends T> step, Callback<? super T> callback) {
        Checks.notNegative(timeout, "timeout");
        Checks.notNull(step, "step");
        Checks.notNull(callback, "callback");
        Loop loop = loop();
        if (scope != null) {
            return scoped(l -> Ops.timeout(loop, bridge(loop, step), timeout, l), callback);
        }
        return started(Ops.timeout(loop, bridge(loop, step), timeout, callback));
    }

    // ---------------------------------------------------------------- scopes

    /**
     * Runs {@code body} in a new fail-fast scope and calls back once the body has given its result
     * (through its {@code done} callback) and everything it started has ended. The body runs on the
     * loop (the caller's, or the next one) and gets a scoped view of this facade: every operation
     * started through that view (and every scope opened through it) belongs to the scope. The first
     * failure (a child's, or the body's, or an exception its callback throws) cancels everything still
     * running in the scope; {@code callback} then gets it, later failures attached as suppressed.
     * Cancelling the returned handle cancels everything in the scope and calls back with a
     * {@link java.util.concurrent.CancellationException} once all of it has ended. See {@link Scope}.
     *
     * <pre>{@code
     * cb.scope((scoped, done) -> {
     *     scoped.submit(() -> loadA(), (a, e) -> ...);      // children: owned by the scope
     *     scoped.offload(() -> loadB(), (b, e) -> ...);
     *     done.onComplete("started", null);                  // the scope still waits for both
     * }, (result, failure) -> ...);
     * }</pre>
     */
    public <T> Cancellable scope(ScopeBody<T> body, Callback<? super T> callback) {
        return scope(Scope.Policy.FAIL_FAST, null, body, callback);
    }

    /**
     * {@link #scope(ScopeBody, Callback)} with a deadline: if the scope still runs after
     * {@code deadline}, everything in it is cancelled and the callback gets
     * {@link dev.weft.core.OperationTimeoutException} (one loop timer, no thread).
     */
    public <T> Cancellable scope(Duration deadline, ScopeBody<T> body, Callback<? super T> callback) {
        return scope(Scope.Policy.FAIL_FAST, Checks.notNegative(deadline, "deadline"), body, callback);
    }

    /**
     * A supervisor scope: like {@link #scope(ScopeBody, Callback)}, but a child's failure reaches that
     * child's callback only and cancels nothing else; the body decides what it means. The body's own
     * failure still cancels the children and ends the scope.
     */
    public <T> Cancellable supervisorScope(ScopeBody<T> body, Callback<? super T> callback) {
        return scope(Scope.Policy.SUPERVISOR, null, body, callback);
    }

    /** {@link #supervisorScope(ScopeBody, Callback)} with a deadline (see {@link #scope(Duration, ScopeBody, Callback)}). */
    public <T> Cancellable supervisorScope(Duration deadline, ScopeBody<T> body, Callback<? super T> callback) {
        return scope(Scope.Policy.SUPERVISOR, Checks.notNegative(deadline, "deadline"), body, callback);
    }

    private <T> Cancellable scope(Scope.Policy policy, Duration deadline, ScopeBody<T> body, Callback<? super T> callback) {
        Checks.notNull(body, "body");
        Checks.notNull(callback, "callback");
        Loop loop = loop();
        if (scope != null) { // a child scope of this view's scope
            return scoped(l -> openScope(loop, policy, deadline, body, l), callback);
        }
        return started(openScope(loop, policy, deadline, body, callback));
    }

    private <T> Scope<T> openScope(Loop loop, Scope.Policy policy, Duration deadline, ScopeBody<T> body,
            OpListener<? super T> listener) {
        Scope<T> s = Scope.open(loop, policy, deadline, listener);
        Callbacks view = new Callbacks(runtime, loop, opsStarted, s);
        Scope.Child<T> done = s.body();
        loop.runNowOrLater(() -> {
            if (s.isDone()) {
                done.onComplete(null, new java.util.concurrent.CancellationException("scope ended before its body ran"));
                return;
            }
            try {
                body.run(view, done::onComplete);
            } catch (Throwable t) {
                done.onComplete(null, t);
            }
        });
        return s;
    }

    // ---------------------------------------------------------------- TCP

    /** {@link #connect(InetSocketAddress, TcpOptions, Callback)} with {@link TcpOptions#defaults()}. */
    public Cancellable connect(InetSocketAddress remote, Callback<? super TcpConnection> callback) {
        return connect(remote, TcpOptions.defaults(), callback);
    }

    /**
     * Connects to {@code remote} and calls back with the connection, which belongs to the loop this
     * call picked (see the class comment). Fails with {@link dev.weft.core.tcp.TcpConnectException}
     * (refused, unreachable) or {@link dev.weft.core.tcp.TcpConnectTimeoutException}. Cancelling
     * closes the half-open socket. See {@link TcpConnection} for everything a connection does.
     */
    public Cancellable connect(InetSocketAddress remote, TcpOptions options, Callback<? super TcpConnection> callback) {
        if (scope != null) {
            return scoped(l -> TcpConnection.connect(loop(), remote, options, l), callback);
        }
        return started(TcpConnection.connect(loop(), remote, options, Checks.notNull(callback, "callback")));
    }

    /**
     * Sends {@code request} on {@code connection} and calls back with its reply, which the callback
     * then owns and must release. The request buffer belongs to Weft from this call on (also when it
     * throws). Pipelining, backpressure ({@link dev.weft.core.tcp.ConnectionBusyException}),
     * cancellation of written requests and failures: see {@link TcpConnection}.
     */
    public Cancellable request(TcpConnection connection, ByteBuf request, Callback<? super ByteBuf> callback) {
        if (connection == null || callback == null) {
            ReferenceCountUtil.release(request);
            Checks.notNull(connection, "connection");
            Checks.notNull(callback, "callback");
        }
        if (scope != null) {
            return scoped(l -> connection.request(request, l), callback);
        }
        return started(connection.request(request, callback));
    }

    /**
     * {@link #request(TcpConnection, ByteBuf, Callback)} with a deadline: if the reply has not arrived
     * within {@code timeout}, the request is cancelled (its reply, when it comes, is read and released,
     * and later replies still match their requests) and the callback gets
     * {@link dev.weft.core.OperationTimeoutException}, which names the timeout. One timer on the
     * connection's loop, cancelled when the reply comes first; no thread. The request buffer belongs to
     * Weft from this call on (also when it throws).
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public Cancellable request(TcpConnection connection, ByteBuf request, Duration timeout,
            Callback<? super ByteBuf> callback) {
        if (connection == null || callback == null || timeout == null || timeout.isNegative()) {
            ReferenceCountUtil.release(request);
            Checks.notNull(connection, "connection");
            Checks.notNegative(timeout, "timeout");
            Checks.notNull(callback, "callback");
        }
        return started(Ops.timeout(connection.loop(), connection.request(request, null), timeout, callback));
    }

    /**
     * Sends {@code frame} without awaiting a reply; calls back with {@code null} once it was written to
     * the socket (the server's reply to it is read and dropped). Owns {@code frame} from this call on.
     */
    public Cancellable send(TcpConnection connection, ByteBuf frame, Callback<? super Void> callback) {
        if (connection == null || callback == null) {
            ReferenceCountUtil.release(frame);
            Checks.notNull(connection, "connection");
            Checks.notNull(callback, "callback");
        }
        if (scope != null) {
            return scoped(l -> connection.send(frame, l), callback);
        }
        return started(connection.send(frame, callback));
    }

    /** Closes {@code connection} (its pending requests fail) and calls back once the socket is closed. */
    public Cancellable close(TcpConnection connection, Callback<? super Void> callback) {
        if (scope != null) {
            Checks.notNull(connection, "connection");
            return scoped(connection::close, callback);
        }
        return started(Checks.notNull(connection, "connection").close(Checks.notNull(callback, "callback")));
    }

    /** {@link #serve(TcpOptions, CallbackRequestHandler, Callback)} with {@link TcpOptions#defaults()} (loopback, ephemeral port). */
    public Cancellable serve(CallbackRequestHandler handler, Callback<? super TcpServer> callback) {
        return serve(TcpOptions.defaults(), handler, callback);
    }

    /**
     * Listens on {@link TcpOptions#bindAddress()} and serves every request with {@code handler};
     * calls back with the running server ({@link TcpServer#localAddress()} has the port it got) or
     * with {@link dev.weft.core.tcp.TcpBindException}. Connections are spread over the runtime's
     * loops; each handler call runs on its connection's loop. See {@link CallbackRequestHandler}.
     */
    public Cancellable serve(TcpOptions options, CallbackRequestHandler handler, Callback<? super TcpServer> callback) {
        CallbackTcpHandler adapter = new CallbackTcpHandler(Checks.notNull(handler, "handler"));
        if (scope != null) {
            return scoped(l -> TcpServer.bind(loop(), options, adapter, l), callback);
        }
        return started(TcpServer.bind(loop(), options, adapter, Checks.notNull(callback, "callback")));
    }

    /** Stops {@code server} and closes its connections; calls back once every socket is closed. */
    public Cancellable close(TcpServer server, Callback<? super Void> callback) {
        if (scope != null) {
            Checks.notNull(server, "server");
            return scoped(server::close, callback);
        }
        return started(Checks.notNull(server, "server").close(Checks.notNull(callback, "callback")));
    }

    /** Starts each step with a promise as its callback, so core can combine them (arguments checked first). */
    private static <T> List<Op<T>> start(Loop loop, List<? extends AsyncStep<? extends T>> steps) {
        Checks.noNulls(steps, "steps");
        List<Op<T>> ops = new ArrayList<>(steps.size());
        for (AsyncStep<? extends T> s : steps) {
            ops.add(bridge(loop, s));
        }
        return ops;
    }

    private static <T> Op<T> bridge(Loop loop, AsyncStep<? extends T> step) {
        Completer<T> completer = Completer.child(loop);
        Promise<T> p = completer.promise();
        Cancellable handle = step.start(completer::onComplete);
        if (handle != null) {
            p.whenCancelled(handle::cancel);
        }
        return p;
    }
}
