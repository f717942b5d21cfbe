package dev.weft.examples.http;

import dev.weft.callbacks.Callbacks;
import dev.weft.core.Loop;
import dev.weft.core.Transport;
import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpServer;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An HTTP/1.1 service on Weft's loops, with Netty's HTTP codec: {@code /cb/work}, {@code /cf/work} and
 * {@code /co/work} do the same work (a computation, then a request to a downstream Weft TCP service),
 * each written in one style ({@link StyleRoutes}); {@code /floor/work} is the HTTP layer alone;
 * {@code /metrics} is every Weft meter in Prometheus text format. Run it with
 * <pre>
 * ./weft example http [--port 8080] [--loops N]
 * wrk -t1 -c32 -d10s --latency http://127.0.0.1:8080/co/work
 * curl -s http://127.0.0.1:8080/metrics | grep weft_loop_lag
 * </pre>
 * Ctrl-C closes it cleanly (a shutdown hook calls {@link #close()}).
 *
 * <p><b>How the HTTP layer sits on Weft.</b> Weft has no HTTP server of its own and no hook to put a
 * custom pipeline on its TCP server, but each {@link Loop} exposes its Netty
 * {@link Loop#eventLoop() EventLoop}, and a Netty channel registered there is served by the loop's
 * thread beside Weft's own work. So the service binds a server channel on loop 0 and registers each
 * accepted connection, with the HTTP codec in its pipeline, on the loops round-robin (what Netty's
 * {@code ServerBootstrap} does with an {@code EventLoopGroup}; Weft does not expose its group, so
 * {@link Acceptor} does those few lines itself). A handler then uses its own loop's facades and
 * downstream connection: one request never changes thread.
 *
 * <p>The downstream service runs in the same runtime (a Weft TCP server written with callbacks); each
 * loop keeps one pipelined client connection to it.
 */
public final class HttpService implements AutoCloseable {
    /** The largest request body accepted (the routes take none; anything larger is refused by Netty). */
    private static final int MAX_CONTENT = 8 * 1024;

    private final WeftRuntime runtime;
    private final PrometheusMeterRegistry registry;
    private final Coroutines co;
    private final TcpServer downstream;
    private final StyleRoutes[] routes;
    private final ServerChannel listener;
    /** The accepted HTTP connections; stays closed once closed, so a late one is closed on arrival. */
    private final ChannelGroup connections;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);

    private HttpService(WeftRuntime runtime, PrometheusMeterRegistry registry, int port) throws Exception {
        this.runtime = runtime;
        this.registry = registry;
        this.co = Coroutines.of(runtime);

        // The downstream service: a Weft TCP server whose handler answers at once (callback style).
        CompletableFuture<TcpServer> bound = new CompletableFuture<>();
        Callbacks.of(runtime).serve((request, reply) -> reply.onComplete(
                        request.alloc().buffer(8).writeLong(Work.downstream(request.readLong())), null),
                (server, err) -> {
                    if (err != null) {
                        bound.completeExceptionally(err);
                    } else {
                        bound.complete(server);
                    }
                });
        this.downstream = bound.get(10, TimeUnit.SECONDS);

        // One pipelined connection to it per loop, owned by that loop.
        this.routes = new StyleRoutes[runtime.loops().size()];
        for (Loop loop : runtime.loops()) {
            TcpConnection conn = Futures.of(runtime).on(loop).connect(downstream.localAddress()).get(10, TimeUnit.SECONDS);
            routes[loop.index()] = new StyleRoutes(loop, co, conn, registry);
        }

        // The HTTP listener, on loop 0; its connections spread over every loop.
        Loop first = runtime.loop(0);
        this.connections = new DefaultChannelGroup("weft-http", first.eventLoop(), true);
        this.listener = runtime.transport() == Transport.EPOLL ? new EpollServerSocketChannel() : new NioServerSocketChannel();
        listener.config().setOption(ChannelOption.SO_REUSEADDR, true);
        listener.pipeline().addLast(new Acceptor(routes, connections));
        first.eventLoop().register(listener).sync();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync();
    }

    /**
     * Starts the service on loopback {@code port} (0: an ephemeral one, see {@link #address()}) with a
     * runtime of {@code loops} loops and a Prometheus registry. Blocks until it listens; call it from a
     * plain thread, not a loop.
     *
     * @throws IllegalArgumentException if {@code port} is outside 0..65535 or {@code loops} < 1
     * @throws Exception if the port cannot be bound (the runtime is closed again)
     */
    public static HttpService start(int port, int loops) throws Exception {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        if (loops < 1) {
            throw new IllegalArgumentException("loops: " + loops + " (expected: at least 1)");
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        WeftRuntime runtime = WeftRuntime.builder().name("http").loops(loops).meterRegistry(registry).build();
        try {
            return new HttpService(runtime, registry, port);
        } catch (Exception | Error e) {
            runtime.close();
            registry.close();
            throw e;
        }
    }

    /** The address the service listens on (loopback). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** The runtime under the service. */
    public WeftRuntime runtime() {
        return runtime;
    }

    /** The coroutine facade the {@code /co} routes use (its {@code liveCoroutines()} is 0 after close). */
    public Coroutines coroutines() {
        return co;
    }

    /**
     * Stops listening, closes every HTTP connection (requests in flight get no answer), then closes the
     * runtime (the downstream service and its connections with it) and the registry. Idempotent; may be
     * called from any thread but a loop's (it waits for the loops to stop). Returns once all is closed.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            awaitClosed();
            return;
        }
        try {
            listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            runtime.close();
            registry.close();
        } finally {
            closed.countDown();
        }
    }

    /** Blocks until {@link #close()} has finished (for a main thread that serves until Ctrl-C). */
    public void awaitClosed() {
        boolean interrupted = false;
        while (true) {
            try {
                closed.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code ./weft example http [--port N] [--loops N]}: serves on loopback until Ctrl-C (default port
     * 8080, one loop per core).
     */
    public static void main(String[] args) throws Exception {
        int port = 8080;
        int loops = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(value(args, ++i, "--port"));
                case "--loops" -> loops = Integer.parseInt(value(args, ++i, "--loops"));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected: [--port N] [--loops N])");
            }
        }
        HttpService service = start(port, loops);
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "http-shutdown"));
        InetSocketAddress a = service.address();
        System.out.printf("listening on http://%s:%d/ with %d loops on %s, coroutines %s; Ctrl-C stops%n",
                a.getAddress().getHostAddress(), a.getPort(), loops, service.runtime.transport(), service.co.scheduler());
        System.out.print(HttpHandler.ROUTES);
        service.awaitClosed();
        System.out.println("closed");
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /**
     * The listening channel's handler, on loop 0: gives each accepted connection the HTTP pipeline and
     * registers it on the next loop, round-robin.
     */
    private static final class Acceptor extends ChannelInboundHandlerAdapter {
        private final StyleRoutes[] routes;
        private final ChannelGroup connections;
        /** The next loop's index; only the listening loop's thread touches it. */
        private int next;

        Acceptor(StyleRoutes[] routes, ChannelGroup connections) {
            this.routes = routes;
            this.connections = connections;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            StyleRoutes r = routes[next];
            next = (next + 1) % routes.length;
            child.config().setOption(ChannelOption.TCP_NODELAY, true);
            child.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_CONTENT), new HttpHandler(r));
            r.loop().eventLoop().register(child).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    connections.add(child); // closes it at once if the service is closing
                } else {
                    child.unsafe().closeForcibly();
                }
            });
        }
    }
}
