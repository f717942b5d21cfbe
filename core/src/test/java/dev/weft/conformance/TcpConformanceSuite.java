package dev.weft.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static dev.weft.conformance.Waits.awaitTrue;
import static dev.weft.conformance.Waits.blockLoop;
import static dev.weft.conformance.Waits.blockLoops;
import static dev.weft.conformance.Waits.flushLoops;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.core.Loop;
import dev.weft.core.OperationTimeoutException;
import dev.weft.core.Promise;
import dev.weft.core.RuntimeClosedException;
import dev.weft.core.VirtualTime;
import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.ConnectionBusyException;
import dev.weft.core.tcp.ConnectionClosedException;
import dev.weft.core.tcp.CorruptFrameException;
import dev.weft.core.tcp.FrameTimeoutException;
import dev.weft.core.tcp.FrameTooLargeException;
import dev.weft.core.tcp.TcpBindException;
import dev.weft.core.tcp.TcpConnectException;
import dev.weft.core.tcp.TcpConnectTimeoutException;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpOptions;
import dev.weft.core.tcp.TcpServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The TCP contract every style must meet: the same client and server behaviour, the same errors,
 * the same buffer ownership, whichever style the client calls and the server handlers are written
 * in. Misbehaving peers are played with plain {@code java.net} sockets ({@link RawSocket},
 * {@link RawServer}). After every test the runtime is closed, no thread may be left and Netty's
 * leak detector must have reported nothing ({@link LeakCheck}).
 *
 * <p>Waits are bounded; nothing sleeps, and no assertion depends on how long something took.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class TcpConformanceSuite {
    private static final long WAIT = Outcome.WAIT_SECONDS;

    protected WeftRuntime rt;
    protected TcpStyleDriver style;
    private final List<WeftRuntime> extra = new ArrayList<>();
    private final List<AutoCloseable> peers = new ArrayList<>();

    /** This style's driver over {@code runtime}. */
    protected abstract TcpStyleDriver driver(WeftRuntime runtime);

    protected WeftRuntime.Builder runtimeBuilder() {
        return WeftRuntime.builder().loops(2).workers(2, 16);
    }

    @BeforeAll
    static void listenForLeaks() {
        LeakCheck.install();
    }

    @BeforeEach
    void start() {
        rt = runtimeBuilder().build();
        style = driver(rt);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable p : peers) {
            p.close();
        }
        rt.close();
        for (WeftRuntime r : extra) {
            r.close();
        }
        assertNoThreadsLeft(rt);
        LeakCheck.assertNoLeaks();
    }

    // ---------------------------------------------------------------- request / reply

    @Test
    void aRequestGetsItsReplyOnItsConnectionsLoop() {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        assertTrue(server.localAddress().getAddress().isLoopbackAddress(), "default bind address: " + server.localAddress());
        assertNotEquals(0, server.localAddress().getPort(), "port 0 must be resolved to the port bound");
        TcpConnection c = connect(server);
        Outcome<ByteBuf> o = style.request(c, buf("hello"));
        assertEquals("re:hello", take(o.value()));
        assertSame(c.loop().thread(), o.deliveredOn(), "reply delivered off the connection's loop");
        flushLoops(rt);
        o.assertDeliveredOnce();
    }

    @Test
    void aServerListensWhereItIsToldAndReportsThePortItGot() {
        TcpServer server = serve(TcpOptions.builder().bindAddress(new InetSocketAddress(0)).build(), ECHO);
        assertTrue(server.localAddress().getAddress().isAnyLocalAddress(), "bound to " + server.localAddress());
        TcpConnection c = connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.localAddress().getPort()));
        assertEquals("re:x", take(style.request(c, buf("x")).value()));
    }

    @Test
    void connectionsAreSpreadOverTheLoopsAndHandledOnTheirOwn() {
        Set<Thread> handlerThreads = ConcurrentHashMap.newKeySet();
        TcpServer server = serve(TcpOptions.defaults(), req -> {
            handlerThreads.add(Thread.currentThread());
            return echo(req);
        });
        List<TcpConnection> conns = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            TcpConnection c = connect(server);
            conns.add(c);
            assertEquals("re:" + i, take(style.request(c, buf(Integer.toString(i))).value()));
        }
        if (style.handlersRunOnLoopThread()) {
            Set<Thread> loopThreads = Set.of(rt.loop(0).thread(), rt.loop(1).thread());
            assertEquals(loopThreads, handlerThreads, "4 connections over 2 loops, each handled on its loop");
        }
    }

    @Test
    void repliesComeBackInRequestOrderEvenWhenHandlersFinishOutOfOrder() {
        int n = 16;
        Map<Integer, Promise<ByteBuf>> replies = new ConcurrentHashMap<>();
        TcpServer server = serve(TcpOptions.defaults(), req -> new Handling.Await(
                replies.computeIfAbsent(number(req), k -> rt.loop(0).promise(null))));
        TcpConnection c = connect(server);
        List<Outcome<ByteBuf>> outcomes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            outcomes.add(style.request(c, buf("req-" + i)));
        }
        awaitTrue(() -> replies.size() == n && replies.values().stream().allMatch(Promise::hasListener),
                "not every request reached its handler");
        for (int i = n - 1; i >= 0; i--) { // the last request's handler finishes first
            replies.get(i).succeed(buf("re:req-" + i));
        }
        for (int i = 0; i < n; i++) {
            assertEquals("re:req-" + i, take(outcomes.get(i).value()), "reply " + i + " matched to the wrong request");
        }
    }

    @Test
    void tenThousandPipelinedRequestsOverAFewConnectionsEachGetTheirOwnReply() {
        int connections = 4;
        int requests = 10_000;
        TcpOptions opts = TcpOptions.builder().maxPendingRequests(requests).build();
        TcpServer server = serve(opts, req -> {
            int i = number(req);
            return switch (i % 3) { // replies finish out of order: now, next turn, a millisecond later
                case 0 -> echo(req);
                case 1 -> new Handling.ReplyLater(Duration.ZERO, () -> buf("re:r-" + i));
                default -> new Handling.ReplyLater(Duration.ofMillis(1), () -> buf("re:r-" + i));
            };
        });
        List<TcpConnection> conns = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            conns.add(style.connect(server.localAddress(), opts).value());
        }
        List<Outcome<ByteBuf>> outcomes = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            outcomes.add(style.request(conns.get(i % connections), buf("r-" + i)));
        }
        int ok = 0;
        for (int i = 0; i < requests; i++) {
            assertEquals("re:r-" + i, take(outcomes.get(i).value()), "request " + i);
            ok++;
        }
        assertEquals(requests, ok);
        flushLoops(rt);
        for (Outcome<ByteBuf> o : outcomes) {
            o.assertDeliveredOnce();
        }
        for (TcpConnection c : conns) {
            assertEquals(0, c.pendingRequests());
        }
    }

    @Test
    void aSendIsWrittenWithoutAwaitingAReplyAndItsReplyIsDropped() {
        AtomicInteger handled = new AtomicInteger();
        TcpServer server = serve(TcpOptions.defaults(), req -> {
            handled.incrementAndGet();
            return echo(req);
        });
        TcpConnection c = connect(server);
        Outcome<Void> sent = style.send(c, buf("note"));
        assertNull(sent.value());
        assertEquals("re:question", take(style.request(c, buf("question")).value()),
                "the send's reply was taken for the request's");
        assertEquals(2, handled.get());
        awaitTrue(() -> c.pendingRequests() == 0, "the send's reply was not consumed");
    }

    // ---------------------------------------------------------------- cancellation and timeout

    @Test
    void cancellingAWrittenRequestCompletesItAtOnceAndItsReplyIsDropped() {
        Promise<ByteBuf> slow = rt.loop(0).promise(null);
        TcpServer server = serve(TcpOptions.defaults(), req -> text(req).equals("slow") ? new Handling.Await(slow) : echo(req));
        TcpConnection c = connect(server);
        Outcome<ByteBuf> first = style.request(c, buf("slow"));
        awaitTrue(slow::hasListener, "the request did not reach the server");
        assertTrue(first.cancel(), "cancelling a pending request returns true");
        assertInstanceOf(CancellationException.class, first.failure());
        Outcome<ByteBuf> second = style.request(c, buf("next"));
        slow.succeed(buf("re:slow"));
        assertEquals("re:next", take(second.value()), "the cancelled request's reply was given to the next one");
        awaitTrue(() -> c.pendingRequests() == 0, "the cancelled request's reply was not consumed");
        flushLoops(rt);
        first.assertDeliveredOnce();
    }

    @Test
    void aRequestTimesOutWithTheStylesTimeoutAndLaterRepliesStillMatch() {
        Promise<ByteBuf> slow = rt.loop(0).promise(null);
        TcpServer server = serve(TcpOptions.defaults(), req -> text(req).equals("slow") ? new Handling.Await(slow) : echo(req));
        TcpConnection c = connect(server);
        Throwable f = style.request(c, buf("slow"), Duration.ofMillis(30)).failure();
        assertInstanceOf(OperationTimeoutException.class, f);
        Outcome<ByteBuf> next = style.request(c, buf("next"));
        slow.succeed(buf("re:slow"));
        assertEquals("re:next", take(next.value()));
    }

    // ---------------------------------------------------------------- per-operation deadlines

    /**
     * A request whose deadline expires: the caller gets OperationTimeoutException naming the timeout,
     * the request is cancelled (no longer pending once its reply is consumed), the reply that comes
     * later is released (the leak check after each test), and the next request gets its own reply.
     */
    @Test
    void aRequestPastItsDeadlineFailsWithOperationTimeoutAndItsLateReplyIsReleased() {
        Promise<ByteBuf> slow = rt.loop(0).promise(null);
        TcpServer server = serve(TcpOptions.defaults(), req -> text(req).equals("slow") ? new Handling.Await(slow) : echo(req));
        TcpConnection c = connect(server);
        Outcome<ByteBuf> o = style.requestWithin(c, buf("slow"), Duration.ofMillis(30));
        Throwable f = o.failure();
        assertInstanceOf(OperationTimeoutException.class, f);
        assertEquals(Duration.ofMillis(30), ((OperationTimeoutException) f).timeout());
        assertSame(c.loop().thread(), o.deliveredOn(), "the timeout was delivered off the connection's loop");
        awaitTrue(slow::hasListener, "the request did not reach the server");
        ByteBuf lateReply = buf("re:slow");
        slow.succeed(lateReply);
        assertEquals("re:next", take(style.request(c, buf("next")).value()), "the late reply was given to the next request");
        awaitTrue(() -> c.pendingRequests() == 0, "the timed-out request's reply was not consumed");
        flushLoops(rt);
        o.assertDeliveredOnce();
        assertEquals(0, Waits.scheduledTimers(c.loop()), "a deadline's timer is left on the connection's loop");
    }

    @Test
    void aRequestThatIsAnsweredBeforeItsDeadlineGetsItsReplyAndStopsTheTimer() {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        TcpConnection c = connect(server);
        int before = Waits.scheduledTimers(c.loop());
        Outcome<ByteBuf> o = style.requestWithin(c, buf("in time"), Duration.ofHours(1));
        assertEquals("re:in time", take(o.value()));
        assertSame(c.loop().thread(), o.deliveredOn());
        flushLoops(rt);
        o.assertDeliveredOnce();
        assertEquals(before, Waits.scheduledTimers(c.loop()), style.name() + ": the deadline's timer outlived its request");
    }

    @Test
    void aRequestWithANegativeDeadlineIsRejectedNamingItAndItsBufferReleased() {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        TcpConnection c = connect(server);
        ByteBuf request = buf("never sent");
        Throwable t;
        try {
            t = style.requestWithin(c, request, Duration.ofMillis(-5)).failure();
            assertTrue(style.callsRunInCoroutine(), style.name() + ": bad input must be rejected by the call itself");
        } catch (IllegalArgumentException thrown) {
            t = thrown;
        }
        assertInstanceOf(IllegalArgumentException.class, t);
        assertEquals("timeout: PT-0.005S (expected: >= 0)", t.getMessage());
        assertEquals(0, request.refCnt(), "the request buffer Weft owned was not released");
        assertEquals(0, c.pendingRequests(), "a rejected request was sent");
    }

    // ---------------------------------------------------------------- connect

    @Test
    void aRefusedConnectionIsAClearError() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
        Throwable f = style.connect(nobody, TcpOptions.defaults()).failure();
        assertInstanceOf(TcpConnectException.class, f);
        assertTrue(f.getMessage().contains(nobody.toString()) && f.getMessage().toLowerCase(Locale.ROOT).contains("refused"),
                f.getMessage());
        assertEquals(nobody, ((TcpConnectException) f).remoteAddress());
    }

    @Test
    void aConnectThatIsNotAcceptedInTimeFailsWithConnectTimeout() throws Exception {
        RawServer neverAccepts = peer(RawServer.withFullBacklog());
        Duration timeout = Duration.ofMillis(50);
        Throwable f = style.connect(neverAccepts.address(), TcpOptions.builder().connectTimeout(timeout).build()).failure();
        assertInstanceOf(TcpConnectTimeoutException.class, f);
        assertEquals(timeout, ((TcpConnectTimeoutException) f).timeout());
        assertTrue(f.getMessage().contains("timed out after 50 ms"), f.getMessage());
    }

    @Test
    void aPendingConnectCanBeCancelled() throws Exception {
        RawServer neverAccepts = peer(RawServer.withFullBacklog());
        Outcome<TcpConnection> o = style.connect(neverAccepts.address(), TcpOptions.defaults()).awaitIssued();
        awaitTrue(() -> rt.loops().stream().mapToInt(Loop::pendingOperations).sum() > 0, "the connect did not start");
        assertTrue(o.cancel());
        assertInstanceOf(CancellationException.class, o.failure());
        awaitTrue(() -> rt.loops().stream().mapToInt(Loop::pendingOperations).sum() == 0,
                "the cancelled connect is still pending");
    }

    @Test
    void bindingAnAddressInUseIsAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort());
            Throwable f = style.serve(TcpOptions.builder().bindAddress(addr).build(), ECHO).failure();
            assertInstanceOf(TcpBindException.class, f);
            assertTrue(f.getMessage().contains(addr.toString()), f.getMessage());
        }
    }

    // ---------------------------------------------------------------- backpressure

    @Test
    void tooManyRequestsInFlightFailWithConnectionBusyNamingTheLimit() {
        Map<Integer, Promise<ByteBuf>> held = new ConcurrentHashMap<>();
        TcpServer server = serve(TcpOptions.defaults(), req -> text(req).startsWith("r-")
                ? new Handling.Await(held.computeIfAbsent(number(req), k -> rt.loop(0).promise(null)))
                : echo(req));
        TcpConnection c = style.connect(server.localAddress(), TcpOptions.builder().maxPendingRequests(3).build()).value();
        List<Outcome<ByteBuf>> inFlight = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inFlight.add(style.request(c, buf("r-" + i)));
        }
        awaitTrue(() -> c.pendingRequests() == 3, "requests not all written");
        ByteBuf refused = buf("one too many");
        Throwable f = style.request(c, refused).failure();
        assertInstanceOf(ConnectionBusyException.class, f);
        assertTrue(f.getMessage().contains("maxPendingRequests = 3"), f.getMessage());
        assertEquals("maxPendingRequests", ((ConnectionBusyException) f).limitName());
        assertEquals(3, ((ConnectionBusyException) f).limit());
        assertEquals(0, refused.refCnt(), "a refused request's buffer must be released");
        awaitTrue(() -> held.size() == 3, "handlers not all called");
        for (int i = 0; i < 3; i++) {
            held.get(i).succeed(buf("re:r-" + i));
        }
        for (int i = 0; i < 3; i++) {
            assertEquals("re:r-" + i, take(inFlight.get(i).value()));
        }
        assertEquals("re:again", take(style.request(c, buf("again")).value()), "the connection must stay usable");
    }

    @Test
    void aPeerThatDoesNotReadMakesRequestsFailWithConnectionBusy() throws Exception {
        RawServer deaf = peer(RawServer.listen(4096));
        TcpOptions opts = TcpOptions.builder().writeBufferWaterMarks(8 * 1024, 32 * 1024).maxPendingRequests(100_000).build();
        TcpConnection c = style.connect(deaf.address(), opts).value();
        deaf.accept(); // and never read
        List<Outcome<ByteBuf>> written = new ArrayList<>();
        Outcome<ByteBuf> refused = null;
        for (int i = 0; i < 20_000 && refused == null; i++) {
            Outcome<ByteBuf> o = style.request(c, bytes(16 * 1024));
            int expected = written.size() + 1;
            awaitTrue(() -> c.pendingRequests() == expected || o.isDelivered(), "request neither written nor refused");
            if (o.isDelivered()) {
                refused = o;
            } else {
                written.add(o);
            }
        }
        assertNotNull(refused, "the client never pushed back although the peer reads nothing");
        Throwable f = refused.failure();
        assertInstanceOf(ConnectionBusyException.class, f);
        assertTrue(f.getMessage().contains("writeBufferHighWaterMark"), f.getMessage());
        assertFalse(c.isWritable());
        assertNull(style.close(c).value());
        for (Outcome<ByteBuf> o : written) {
            assertInstanceOf(ConnectionClosedException.class, o.failure());
        }
    }

    @Test
    void aServerTakesAtMostMaxPendingRequestsPerConnectionAtOnce() throws Exception {
        int limit = 4;
        int requests = 40;
        AtomicInteger handled = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        Map<Integer, Promise<ByteBuf>> replies = new ConcurrentHashMap<>();
        TcpServer server = serve(TcpOptions.builder().maxPendingRequests(limit).build(), req -> {
            mostInFlight.accumulateAndGet(handled.incrementAndGet() - answered.get(), Math::max);
            return new Handling.Await(replies.computeIfAbsent(number(req), k -> rt.loop(0).promise(null)));
        });
        RawSocket client = peer(RawSocket.connect(server.localAddress()));
        ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
        for (int i = 0; i < requests; i++) {
            pipeline.writeBytes(RawSocket.frame("r-" + i));
        }
        client.write(pipeline.toByteArray()); // the whole pipeline at once; nothing read yet
        for (int i = 0; i < requests; i++) {
            final int k = i;
            final int full = Math.min(k + limit, requests); // as many as the server may take with k answered
            awaitTrue(() -> handled.get() >= full && replies.containsKey(k), "the server stopped taking requests at "
                    + handled.get() + " with " + k + " answered (limit " + limit + ")");
            answered.incrementAndGet(); // before the reply goes out, so the handler never over-counts
            replies.get(k).succeed(buf("re:r-" + k));
        }
        StringBuilder all = new StringBuilder();
        assertEquals(limit, mostInFlight.get(), "requests in flight on one connection must stop at maxPendingRequests");
        for (int i = 0; i < requests; i++) {
            all.append(client.readFrame()).append(' ');
        }
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < requests; i++) {
            expected.append("re:r-").append(i).append(' ');
        }
        assertEquals(expected.toString(), all.toString());
    }

    @Test
    void oneConnectionsFloodOfOffloadsMakesThePoolRefuseNoOtherConnection() throws Exception {
        // The bound is exact when handlers start their offloads on the loop; a DEFAULT-scheduler
        // coroutine offloads later, from a carrier, after the connection has looked at the pool.
        org.junit.jupiter.api.Assumptions.assumeTrue(style.handlersStartTheirWorkOnTheLoop(),
                "handlers of this style start their work off the loop");
        WeftRuntime r = newRuntime(b -> b.loops(2).workers(2, 64));
        TcpStyleDriver s = driver(r);
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger floodRunning = new AtomicInteger();
        AtomicInteger goodHandled = new AtomicInteger();
        TcpServer server = s.serve(TcpOptions.defaults(), req -> {
            String t = text(req);
            if (t.startsWith("good")) {
                goodHandled.incrementAndGet();
            }
            return new Handling.Offload(() -> {
                if (t.startsWith("flood")) {
                    floodRunning.incrementAndGet();
                    gate.await(WAIT, TimeUnit.SECONDS);
                }
                return buf("re:" + t);
            });
        }).value();
        try {
            int floodRequests = 500;
            RawSocket flood = peer(RawSocket.connect(server.localAddress()));
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            for (int i = 0; i < floodRequests; i++) {
                pipeline.writeBytes(RawSocket.frame("flood-" + i));
            }
            flood.write(pipeline.toByteArray());
            // Both workers held by the flood, and its offloads queued behind them.
            awaitTrue(() -> floodRunning.get() == 2 && r.queuedOffloads() >= 14, "the flood did not fill the workers");
            TcpConnection good = s.connect(server.localAddress(), TcpOptions.defaults()).value();
            List<Outcome<ByteBuf>> replies = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                replies.add(s.request(good, buf("good-" + i)));
            }
            awaitTrue(() -> goodHandled.get() == 5, "the well-behaved requests did not reach their handlers");
            gate.countDown();
            for (int i = 0; i < 5; i++) {
                assertEquals("re:good-" + i, take(replies.get(i).value()), "a well-behaved request lost its reply to the flood");
            }
            for (int i = 0; i < floodRequests; i++) {
                assertEquals("re:flood-" + i, flood.readFrame(), "the flooding connection was refused instead of slowed down");
            }
        } finally {
            gate.countDown();
        }
    }

    // ---------------------------------------------------------------- incomplete frames

    @Test
    void aFloodOfIncompleteFramesIsHeldToTheServersBudget() throws Exception {
        long budget = 256 * 1024;
        TcpServer server = serve(TcpOptions.builder().maxPartialFrameBytes(budget).build(), ECHO);
        TcpConnection good = connect(server);
        int flooders = 8;
        for (int i = 0; i < flooders; i++) {
            // Announces 1 MiB (the default limit), sends 100 KiB of it and stalls: each would hold 128 KiB.
            peer(RawSocket.connect(server.localAddress())).writeInt(1 << 20).write(new byte[100 * 1024]);
        }
        awaitTrue(() -> server.closedOverPartialFrameBudget() >= flooders - 2 && server.connections() <= 3,
                "incomplete frames were not held to the budget: " + server.closedOverPartialFrameBudget()
                        + " closed, " + server.partialFrameBytes() + " bytes held");
        assertTrue(server.partialFrameBytes() <= budget, server.partialFrameBytes() + " bytes held");
        assertEquals("re:unaffected", take(style.request(good, buf("unaffected")).value()));
    }

    @Test
    void aPeerThatStallsInTheMiddleOfAFrameIsClosedAfterTheFrameTimeout() throws Exception {
        // On virtual time: the timeout cannot overtake the reply to the whole frame on a busy machine
        // (with a real 100 ms it did, for a coroutine handler), and "not before" is checked exactly.
        VirtualTime vt = VirtualTime.create();
        TcpStyleDriver style = driver(newRuntime(b -> b.virtualTime(vt)));
        TcpOptions opts = TcpOptions.builder().frameTimeout(Duration.ofMillis(100)).build();
        TcpServer server = style.serve(opts, ECHO).value();
        TcpConnection idle = style.connect(server.localAddress(), opts).value();
        RawSocket staller = peer(RawSocket.connect(server.localAddress()));
        staller.writeFrame("whole").writeInt(10).write(new byte[3]);
        assertEquals("re:whole", staller.readFrame());
        // The partial frame travels the real network: wait until the server has read it and armed its timer.
        awaitTrue(() -> vt.pendingTimers() == 1, "the server did not arm a frame timer for the partial frame");
        vt.advanceBy(Duration.ofMillis(100).minusNanos(1));
        assertEquals(0, server.closedForFrameTimeout(), "closed before the frame timeout");
        vt.advanceBy(Duration.ofNanos(1));
        staller.assertClosedByPeer();
        assertEquals(1, server.closedForFrameTimeout());
        assertEquals(0, server.partialFrameBytes(), "a closed connection still holds its charge");
        // Idle at least as long as the timeout (it connected before the staller began), between frames: untouched.
        assertEquals("re:idle", take(style.request(idle, buf("idle")).value()));

        RawServer staller2 = peer(RawServer.listen(0));
        TcpConnection c = style.connect(staller2.address(), opts).value();
        RawSocket s = staller2.accept();
        Outcome<ByteBuf> o = style.request(c, buf("question"));
        assertEquals("question", s.readFrame());
        s.writeInt(10).write(new byte[3]);
        awaitTrue(() -> vt.pendingTimers() == 1, "the client did not arm a frame timer for the partial reply");
        vt.advanceBy(Duration.ofMillis(100).minusNanos(1));
        assertFalse(o.isDelivered(), "the request failed before the frame timeout");
        vt.advanceBy(Duration.ofNanos(1));
        assertTrue(o.isDelivered(), "advanceBy returned before the frame timeout's failure was delivered");
        Throwable f = o.failure();
        assertInstanceOf(ConnectionClosedException.class, f);
        assertInstanceOf(FrameTimeoutException.class, f.getCause());
        assertTrue(f.getMessage().contains("still incomplete 100 ms after its first byte"), f.getMessage());
    }

    // ---------------------------------------------------------------- frame sizes

    @Test
    void anOversizedRequestIsRefusedBeforeWritingAndTheConnectionStaysUsable() {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        TcpConnection c = style.connect(server.localAddress(), TcpOptions.builder().maxFrameSize(100).build()).value();
        ByteBuf tooBig = bytes(101);
        Throwable f = style.request(c, tooBig).failure();
        assertInstanceOf(FrameTooLargeException.class, f);
        assertEquals(101, ((FrameTooLargeException) f).size());
        assertEquals(100, ((FrameTooLargeException) f).limit());
        assertTrue(f.getMessage().contains("101 bytes") && f.getMessage().contains("100 bytes"), f.getMessage());
        assertEquals(0, tooBig.refCnt(), "a refused request's buffer must be released");
        assertEquals("re:fits", take(style.request(c, buf("fits")).value()));
    }

    @Test
    void anOversizedReplyClosesTheConnectionAndFailsItsPendingRequestsNamingSizeAndLimit() {
        Promise<ByteBuf> bigReply = rt.loop(0).promise(null);
        TcpServer server = serve(TcpOptions.defaults(), req -> switch (text(req)) {
            case "big" -> new Handling.Await(bigReply);
            case "hold" -> new Handling.Await(rt.loop(0).promise(null));
            default -> echo(req);
        });
        TcpConnection small = style.connect(server.localAddress(), TcpOptions.builder().maxFrameSize(100).build()).value();
        TcpConnection other = connect(server);
        Outcome<ByteBuf> big = style.request(small, buf("big"));
        awaitTrue(bigReply::hasListener, "the first request did not reach its handler");
        Outcome<ByteBuf> behind = style.request(small, buf("hold"));
        awaitTrue(() -> small.pendingRequests() == 2, "requests not all written");
        bigReply.succeed(bytes(1000));
        for (Outcome<ByteBuf> o : List.of(big, behind)) {
            Throwable f = o.failure();
            assertInstanceOf(ConnectionClosedException.class, f);
            assertTrue(f.getMessage().contains("1000 bytes") && f.getMessage().contains("100 bytes"), f.getMessage());
            assertInstanceOf(FrameTooLargeException.class, f.getCause());
        }
        awaitTrue(() -> !small.isOpen(), "the connection was not closed");
        assertEquals("re:unaffected", take(style.request(other, buf("unaffected")).value()));
    }

    @Test
    void anOversizedRequestFrameClosesOnlyThatConnectionOnTheServer() throws Exception {
        TcpServer server = serve(TcpOptions.builder().maxFrameSize(1000).build(), ECHO);
        TcpConnection other = connect(server);
        RawSocket raw = peer(RawSocket.connect(server.localAddress()));
        raw.writeInt(1001).write(new byte[100]);
        raw.assertClosedByPeer();
        TcpConnection bigger = style.connect(server.localAddress(), TcpOptions.builder().maxFrameSize(5000).build()).value();
        Throwable f = style.request(bigger, bytes(1001)).failure();
        assertInstanceOf(ConnectionClosedException.class, f);
        assertTrue(f.getMessage().contains("closed by the peer"), f.getMessage());
        assertEquals("re:unaffected", take(style.request(other, buf("unaffected")).value()));
    }

    // ---------------------------------------------------------------- bad bytes

    @Test
    void aNegativeLengthClosesTheConnection() throws Exception {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        TcpConnection other = connect(server);
        RawSocket raw = peer(RawSocket.connect(server.localAddress()));
        raw.writeInt(-1);
        raw.assertClosedByPeer();
        assertEquals("re:unaffected", take(style.request(other, buf("unaffected")).value()));

        RawServer liar = peer(RawServer.listen(0));
        TcpConnection c = style.connect(liar.address(), TcpOptions.defaults()).value();
        RawSocket s = liar.accept();
        Outcome<ByteBuf> o = style.request(c, buf("question"));
        assertEquals("question", s.readFrame());
        s.writeInt(Integer.MIN_VALUE);
        Throwable f = o.failure();
        assertInstanceOf(ConnectionClosedException.class, f);
        assertInstanceOf(CorruptFrameException.class, f.getCause());
        assertTrue(f.getMessage().contains("negative frame length -2147483648"), f.getMessage());
    }

    @Test
    void validRequestsFollowedByACorruptFrameGetTheirRepliesThenTheClose() throws Exception {
        TcpServer server = serve(TcpOptions.builder().maxFrameSize(1000).build(), req -> text(req).equals("later")
                ? new Handling.ReplyLater(Duration.ofMillis(1), () -> buf("re:later"))
                : echo(req));
        TcpConnection other = connect(server);
        for (int badLength : new int[] {-1, 1001}) { // a negative and an oversized length prefix
            RawSocket raw = peer(RawSocket.connect(server.localAddress()));
            // One segment: a request answered at once, one answered later, then the bad prefix.
            raw.write(concat(RawSocket.frame("now"), RawSocket.frame("later"), intBytes(badLength), new byte[8]));
            assertEquals("re:now", raw.readFrame(), "length " + badLength + ": a reply already due was dropped");
            assertEquals("re:later", raw.readFrame(), "length " + badLength + ": a request in flight was not answered");
            raw.assertClosedByPeer();
        }
        assertEquals("re:unaffected", take(style.request(other, buf("unaffected")).value()));
    }

    @Test
    void garbageBytesCloseTheConnection() throws Exception {
        byte[] http = "GET / HTTP/1.1\r\nHost: weft\r\n\r\n".getBytes(UTF_8);
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        TcpConnection other = connect(server);
        RawSocket raw = peer(RawSocket.connect(server.localAddress()));
        raw.write(http);
        raw.assertClosedByPeer();
        assertEquals("re:unaffected", take(style.request(other, buf("unaffected")).value()));

        RawServer webServer = peer(RawServer.listen(0));
        TcpConnection c = style.connect(webServer.address(), TcpOptions.defaults()).value();
        RawSocket s = webServer.accept();
        Outcome<ByteBuf> o = style.request(c, buf("question"));
        assertEquals("question", s.readFrame());
        s.write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(UTF_8));
        Throwable f = o.failure();
        assertInstanceOf(ConnectionClosedException.class, f);
        assertInstanceOf(FrameTooLargeException.class, f.getCause()); // "HTTP" read as a length
        assertTrue(f.getMessage().contains("1213486160 bytes"), f.getMessage());
    }

    @Test
    void aPeerThatClosesInTheMiddleOfAFrameIsAClearErrorAndLeaksNothing() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        TcpServer server = serve(TcpOptions.defaults(), req -> {
            handled.incrementAndGet();
            return echo(req);
        });
        RawSocket raw = peer(RawSocket.connect(server.localAddress()));
        raw.writeFrame("whole").writeInt(100).write(new byte[10]);
        assertEquals("re:whole", raw.readFrame());
        raw.close();
        TcpConnection other = connect(server);
        assertEquals("re:unaffected", take(style.request(other, buf("unaffected")).value()));
        assertEquals(2, handled.get(), "a partial frame must never reach the handler");

        RawServer quitter = peer(RawServer.listen(0));
        TcpConnection c = style.connect(quitter.address(), TcpOptions.defaults()).value();
        RawSocket s = quitter.accept();
        Outcome<ByteBuf> o = style.request(c, buf("question"));
        assertEquals("question", s.readFrame());
        s.writeInt(100).write(new byte[10]);
        s.close();
        Throwable f = o.failure();
        assertInstanceOf(ConnectionClosedException.class, f);
        assertInstanceOf(CorruptFrameException.class, f.getCause());
        assertTrue(f.getMessage().contains("middle of a frame: 10 of its 100 bytes arrived"), f.getMessage());
    }

    @Test
    void aFrameNobodyAskedForClosesTheClientConnection() throws Exception {
        RawServer chatty = peer(RawServer.listen(0));
        TcpConnection c = style.connect(chatty.address(), TcpOptions.defaults()).value();
        chatty.accept().writeFrame("unsolicited");
        awaitTrue(() -> !c.isOpen(), "the connection was not closed");
        Throwable f = style.request(c, buf("late")).failure();
        assertInstanceOf(ConnectionClosedException.class, f);
        assertInstanceOf(CorruptFrameException.class, f.getCause());
        assertTrue(f.getMessage().contains("no request awaited a reply"), f.getMessage());
    }

    // ---------------------------------------------------------------- peer faults

    @Test
    void aPeerResetWhileRequestsArePendingFailsEachOnceSayingSo() throws Exception {
        RawServer resetter = peer(RawServer.listen(0));
        TcpConnection c = style.connect(resetter.address(), TcpOptions.defaults()).value();
        RawSocket s = resetter.accept();
        List<Outcome<ByteBuf>> pending = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pending.add(style.request(c, buf("r-" + i)));
        }
        for (int i = 0; i < 3; i++) {
            s.readFrame();
        }
        s.reset();
        for (Outcome<ByteBuf> o : pending) {
            Throwable f = o.failure();
            assertInstanceOf(ConnectionClosedException.class, f);
            assertTrue(f.getMessage().toLowerCase(Locale.ROOT).contains("reset"), f.getMessage());
        }
        flushLoops(rt);
        for (Outcome<ByteBuf> o : pending) {
            o.assertDeliveredOnce();
        }
    }

    @Test
    void aHandlerThatThrowsClosesOnlyItsConnectionAfterTheRepliesBeforeIt() {
        handlerFailureClosesOnlyItsConnection(
                req -> new Handling.Throw(new IllegalStateException("handler failed on purpose")));
    }

    @Test
    void aHandlerThatFailsLaterClosesOnlyItsConnectionAfterTheRepliesBeforeIt() {
        handlerFailureClosesOnlyItsConnection(
                req -> new Handling.FailLater(Duration.ofMillis(1), new IllegalStateException("handler failed on purpose")));
    }

    private void handlerFailureClosesOnlyItsConnection(Handling.Plan failing) {
        Promise<ByteBuf> firstReply = rt.loop(0).promise(null);
        TcpServer server = serve(TcpOptions.defaults(), req -> switch (text(req)) {
            case "before" -> new Handling.Await(firstReply);
            case "boom" -> failing.handle(req);
            default -> echo(req);
        });
        TcpConnection doomed = connect(server);
        TcpConnection other = connect(server);
        Outcome<ByteBuf> before = style.request(doomed, buf("before"));
        awaitTrue(firstReply::hasListener, "the first request did not reach its handler");
        Outcome<ByteBuf> boom = style.request(doomed, buf("boom"));
        awaitTrue(() -> doomed.pendingRequests() == 2, "request not written"); // in this order, in every style
        Outcome<ByteBuf> after = style.request(doomed, buf("after"));
        awaitTrue(() -> doomed.pendingRequests() == 3, "request not written");
        firstReply.succeed(buf("re:before")); // the reply before the failed one, finishing after it failed
        assertEquals("re:before", take(before.value()), "replies before the failed one must still be sent");
        for (Outcome<ByteBuf> o : List.of(boom, after)) {
            Throwable f = o.failure();
            assertInstanceOf(ConnectionClosedException.class, f);
            assertTrue(f.getMessage().contains("closed by the peer"), f.getMessage());
        }
        assertEquals("re:unaffected", take(style.request(other, buf("unaffected")).value()));
        assertEquals("re:new", take(style.request(connect(server), buf("new")).value()), "the server must keep accepting");
    }

    @Test
    void aHandlerWhoseClientResetsIsCancelledAndLeaksNothing() throws Exception {
        Map<Integer, Promise<ByteBuf>> held = new ConcurrentHashMap<>();
        TcpServer server = serve(TcpOptions.defaults(), req -> text(req).startsWith("r-")
                ? new Handling.Await(held.computeIfAbsent(number(req), k -> rt.loop(0).promise(null)))
                : echo(req));
        RawSocket raw = peer(RawSocket.connect(server.localAddress()));
        raw.write(concat(RawSocket.frame("r-0"), RawSocket.frame("r-1")));
        awaitTrue(() -> held.size() == 2 && held.values().stream().allMatch(Promise::hasListener),
                "the requests did not reach their handlers");
        raw.reset();
        awaitTrue(() -> server.connections() == 0, "the reset connection is still open on the server");
        if (style.handlersAreCancelledWithTheirConnection()) {
            awaitTrue(() -> held.values().stream().allMatch(Promise::isCancelled),
                    "the handlers of a closed connection were not cancelled");
        } else {
            List<ByteBuf> late = List.of(buf("late-0"), buf("late-1"));
            held.get(0).succeed(late.get(0));
            held.get(1).succeed(late.get(1));
            awaitTrue(() -> late.stream().allMatch(b -> b.refCnt() == 0), "a reply nobody could receive was not released");
        }
        assertEquals("re:unaffected", take(style.request(connect(server), buf("unaffected")).value()));
    }

    // ---------------------------------------------------------------- close

    @Test
    void closingAConnectionFailsItsPendingRequestsAndRefusesNewOnes() {
        TcpServer server = serve(TcpOptions.defaults(), req -> new Handling.Await(rt.loop(0).promise(null)));
        TcpConnection c = connect(server);
        Outcome<ByteBuf> pending = style.request(c, buf("hold"));
        awaitTrue(() -> c.pendingRequests() == 1, "request not written");
        assertNull(style.close(c).value());
        assertFalse(c.isOpen());
        Throwable f = pending.failure();
        assertInstanceOf(ConnectionClosedException.class, f);
        assertTrue(f.getMessage().contains("closed by close()"), f.getMessage());
        ByteBuf late = buf("late");
        Throwable g = style.request(c, late).failure();
        assertInstanceOf(ConnectionClosedException.class, g);
        assertTrue(g.getMessage().contains("nothing was sent"), g.getMessage());
        assertEquals(0, late.refCnt());
        assertNull(style.close(c).value(), "closing a closed connection completes");
    }

    @Test
    void cancellingACloseBeforeItRunsLeavesTheConnectionOpen() throws Exception {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        TcpConnection c = connect(server);
        CountDownLatch release = blockLoop(c.loop());
        Outcome<Void> close;
        try {
            close = style.close(c).awaitIssuedOrHeldByBlockedLoop();
            assertTrue(close.cancel());
        } finally {
            release.countDown();
        }
        assertInstanceOf(CancellationException.class, close.failure());
        flushLoops(rt);
        assertTrue(c.isOpen(), "a close cancelled before it ran closed the connection");
        assertEquals("re:still open", take(style.request(c, buf("still open")).value()));
    }

    @Test
    void closingTheServerClosesItsConnectionsAndStopsListening() {
        TcpServer server = serve(TcpOptions.defaults(), req -> new Handling.Await(rt.loop(0).promise(null)));
        TcpConnection c = connect(server);
        Outcome<ByteBuf> pending = style.request(c, buf("hold"));
        awaitTrue(() -> c.pendingRequests() == 1, "request not written");
        awaitTrue(() -> server.connections() == 1, "connection not accepted");
        assertNull(style.close(server).value());
        assertFalse(server.isOpen());
        assertInstanceOf(ConnectionClosedException.class, pending.failure());
        assertInstanceOf(TcpConnectException.class, style.connect(server.localAddress(), TcpOptions.defaults()).failure());
    }

    @Test
    void closingTheRuntimeFailsEveryPendingTcpOperationWithRuntimeClosedAndClosesEverySocket() throws Exception {
        WeftRuntime r = newRuntime(b -> b.loops(2));
        TcpStyleDriver s = driver(r);
        AtomicInteger handled = new AtomicInteger();
        TcpServer server = s.serve(TcpOptions.defaults(), req -> {
            handled.incrementAndGet();
            return new Handling.Await(r.loop(0).promise(null));
        }).value();
        List<TcpConnection> conns = new ArrayList<>();
        List<Outcome<?>> outcomes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TcpConnection c = s.connect(server.localAddress(), TcpOptions.defaults()).value();
            conns.add(c);
            for (int k = 0; k < 5; k++) {
                outcomes.add(s.request(c, buf("r-" + k)));
            }
        }
        awaitTrue(() -> handled.get() == 15, "requests not all being handled");
        RawSocket raw = peer(RawSocket.connect(server.localAddress()));
        RawServer neverAccepts = peer(RawServer.withFullBacklog());
        outcomes.add(s.connect(neverAccepts.address(), TcpOptions.defaults()));
        awaitTrue(() -> server.connections() == 4, "connections not all accepted");

        r.close();

        for (Outcome<?> o : outcomes) {
            assertInstanceOf(RuntimeClosedException.class, o.failure());
        }
        for (Outcome<?> o : outcomes) {
            o.assertDeliveredOnce();
        }
        for (TcpConnection c : conns) {
            assertFalse(c.isOpen(), "client socket left open");
        }
        assertFalse(server.isOpen(), "listening socket left open");
        raw.assertClosedByPeer();
        assertNoThreadsLeft(r);
        assertEquals(0, s.liveThreads(), "coroutines alive after close");
    }

    @Test
    void closingTheRuntimeWhileHandlersWaitLogsNoWarningPerHandler() throws Exception {
        WeftRuntime r = newRuntime(b -> b.loops(2));
        TcpStyleDriver s = driver(r);
        AtomicInteger handled = new AtomicInteger();
        TcpServer server = s.serve(TcpOptions.defaults(), req -> {
            handled.incrementAndGet();
            return new Handling.ReplyLater(Duration.ofHours(1), () -> buf("never"));
        }).value();
        int connections = 4;
        int requests = 25;
        for (int c = 0; c < connections; c++) {
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            for (int i = 0; i < requests; i++) {
                pipeline.writeBytes(RawSocket.frame("r-" + i));
            }
            peer(RawSocket.connect(server.localAddress())).write(pipeline.toByteArray());
        }
        awaitTrue(() -> handled.get() == connections * requests, "requests not all being handled");
        String logged = stderrOf(r::close);
        assertFalse(logged.contains("request handler"), "a normal shutdown logged handler failures:\n" + logged);
        assertNoThreadsLeft(r);
    }

    /** What {@code action} wrote to {@code System.err} (where the tests' SLF4J binding logs) while it ran. */
    private static String stderrOf(Runnable action) {
        java.io.PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(saved);
        }
        String text = captured.toString(UTF_8);
        saved.print(text);
        return text;
    }

    @Test
    void aClosedRuntimeRefusesRequestsAndReleasesTheirBuffers() {
        WeftRuntime r = newRuntime(b -> {});
        TcpStyleDriver s = driver(r);
        TcpServer server = s.serve(TcpOptions.defaults(), ECHO).value();
        TcpConnection c = s.connect(server.localAddress(), TcpOptions.defaults()).value();
        r.close();
        ByteBuf late = buf("late");
        Throwable t = rejection(s, () -> s.request(c, late));
        assertInstanceOf(RuntimeClosedException.class, t);
        assertEquals(0, late.refCnt(), "the request buffer was handed to Weft and must be released");
    }

    // ---------------------------------------------------------------- bad arguments

    @Test
    void badArgumentsAreRejectedNamingThem() {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        TcpConnection c = connect(server);
        Throwable nul = rejection(style, () -> style.request(c, null));
        assertInstanceOf(NullPointerException.class, nul);
        assertTrue(nul.getMessage().startsWith("request: "), nul.getMessage());
        Throwable unresolved = rejection(style, () -> style.connect(InetSocketAddress.createUnresolved("weft.invalid", 1),
                TcpOptions.defaults()));
        assertInstanceOf(IllegalArgumentException.class, unresolved);
        assertTrue(unresolved.getMessage().startsWith("remote: "), unresolved.getMessage());
    }

    // ---------------------------------------------------------------- context propagation

    /**
     * A server handler runs with the context of the {@code serve} call (WeftContext and MDC), never the
     * requesting client's; so do its continuations (a timer, an offload); what it sets itself reaches
     * what it starts; the client's continuation has the client's context; and a server served without
     * a context, on the same loop afterwards, sees none.
     */
    @Test
    void aHandlerSeesTheServeCallsContextAndHandsItOn() throws Exception {
        java.util.Queue<Seen> inHandler = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Handling.Plan plan = req -> {
            inHandler.add(Seen.now());
            return switch (text(req)) {
                case "later" -> new Handling.ReplyLater(Duration.ofMillis(1), () -> buf(describe(Seen.now())));
                case "offload" -> new Handling.Offload(() -> buf(describe(Seen.now())));
                case "own" -> {
                    // The handler sets a value for what it starts: a task on the loop.
                    try {
                        yield dev.weft.core.WeftContext.current().with(Seen.KEY, "weft-own").call(() ->
                                new Handling.Await(rt.loop(0).submit(() -> buf(describe(Seen.now())), null)));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
                default -> new Handling.Reply(buf(describe(Seen.now())));
            };
        };
        TcpServer server = Seen.within("serve", () -> serve(TcpOptions.defaults(), plan));
        TcpConnection c = connect(server);
        String serve = describe(Seen.of("serve"));
        for (String kind : List.of("now", "later", "offload")) {
            Outcome<ByteBuf> reply = Seen.within("client", () -> style.request(c, buf(kind)));
            assertEquals(serve, take(reply.value()), kind + ": what the handler's continuation saw");
            assertEquals(Seen.of("client"), reply.deliveredWith(), kind + ": the client's continuation");
        }
        assertEquals(describe(new Seen("weft-own", "mdc-serve")), take(style.request(c, buf("own")).value()),
                "what the handler started under a context of its own");
        assertEquals(4, inHandler.size());
        for (Seen seen : inHandler) {
            assertEquals(Seen.of("serve"), seen, "in the handler");
        }

        inHandler.clear();
        TcpServer bare = serve(TcpOptions.defaults(), plan);
        TcpConnection c2 = connect(bare);
        for (String kind : List.of("now", "later", "offload")) {
            Outcome<ByteBuf> reply = Seen.within("client", () -> style.request(c2, buf(kind)));
            assertEquals(describe(Seen.NOTHING), take(reply.value()), kind + ": a server served without a context");
        }
        for (Seen seen : inHandler) {
            assertEquals(Seen.NOTHING, seen, "in the handler of a server served without a context");
        }
    }

    private static String describe(Seen s) {
        return s.weft() + "|" + s.mdc();
    }

    // ---------------------------------------------------------------- helpers

    /** Echoes with a "re:" prefix. */
    protected static final Handling.Plan ECHO = TcpConformanceSuite::echo;

    protected static Handling echo(ByteBuf req) {
        return new Handling.Reply(buf("re:" + text(req)));
    }

    protected TcpServer serve(TcpOptions options, Handling.Plan plan) {
        return style.serve(options, plan).value();
    }

    protected TcpConnection connect(TcpServer server) {
        return connect(server.localAddress());
    }

    protected TcpConnection connect(InetSocketAddress address) {
        return style.connect(address, TcpOptions.defaults()).value();
    }

    /** A pooled direct buffer with {@code s} in UTF-8. */
    protected static ByteBuf buf(String s) {
        return ByteBufAllocator.DEFAULT.directBuffer().writeBytes(s.getBytes(UTF_8));
    }

    protected static ByteBuf bytes(int n) {
        return ByteBufAllocator.DEFAULT.directBuffer(n).writeZero(n);
    }

    protected static String text(ByteBuf b) {
        return b.toString(UTF_8);
    }

    /** The text of a reply, which the test owns: read, then released. */
    protected static String take(ByteBuf reply) {
        try {
            return reply.toString(UTF_8);
        } finally {
            reply.release();
        }
    }

    /** The number after the last '-' of a request such as "req-12". */
    protected static int number(ByteBuf req) {
        String s = text(req);
        return Integer.parseInt(s.substring(s.lastIndexOf('-') + 1));
    }

    protected static byte[] intBytes(int v) {
        return java.nio.ByteBuffer.allocate(4).putInt(v).array();
    }

    protected static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    protected <T extends AutoCloseable> T peer(T p) {
        peers.add(p);
        return p;
    }

    private WeftRuntime newRuntime(Consumer<WeftRuntime.Builder> options) {
        WeftRuntime.Builder b = runtimeBuilder();
        options.accept(b);
        WeftRuntime r = b.build();
        extra.add(r);
        return r;
    }

    private void assertNoThreadsLeft(WeftRuntime r) {
        Waits.assertNoThreadsLeft(r, style.liveThreads());
    }

    /** The error a call is rejected with: thrown by the call, or the failure of the coroutine it ran in. */
    private static Throwable rejection(TcpStyleDriver s, Supplier<Outcome<?>> call) {
        Outcome<?> o;
        try {
            o = call.get();
        } catch (Throwable t) {
            return t;
        }
        assertTrue(s.callsRunInCoroutine(), s.name() + ": bad input must be rejected by the call itself");
        return o.failure();
    }
}
