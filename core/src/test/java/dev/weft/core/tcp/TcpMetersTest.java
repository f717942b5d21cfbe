package dev.weft.core.tcp;

import static dev.weft.conformance.Waits.await;
import static dev.weft.conformance.Waits.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.LeakCheck;
import dev.weft.conformance.RawSocket;
import dev.weft.core.Op;
import dev.weft.core.WeftRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each TCP meter moves when its event happens (with a real registry), and none exists without one. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpMetersTest {
    private static final TcpHandler ECHO = x -> x.reply(x.request().retain());

    private SimpleMeterRegistry registry;
    private WeftRuntime rt;

    @BeforeAll
    static void listenForLeaks() {
        LeakCheck.install();
    }

    @BeforeEach
    void start() {
        registry = new SimpleMeterRegistry();
        rt = WeftRuntime.builder().loops(2).name("tcp-meters").meterRegistry(registry).build();
    }

    @AfterEach
    void stop() {
        rt.close();
        LeakCheck.assertNoLeaks();
    }


    private TcpServer serve(TcpOptions options, TcpHandler handler) throws Exception {
        return await(TcpServer.bind(rt.loop(0), options, handler, null));
    }

    private FunctionCounter counter(String name, String... tags) {
        return registry.get(name).tags("runtime", "tcp-meters").tags(tags).functionCounter();
    }

    private double count(String name, String... tags) {
        return counter(name, tags).count();
    }

    private double open(String side) {
        return registry.get("weft.tcp.connections").tags("runtime", "tcp-meters", "side", side).gauge().value();
    }

    private double closed(String side, String reason) {
        return count("weft.tcp.connections.closed", "side", side, "reason", reason);
    }

    private void awaitCount(double expected, String name, String... tags) {
        awaitTrue(() -> count(name, tags) == expected,
                name + " " + List.of(tags) + " did not reach " + expected + " (is " + count(name, tags) + ")");
    }

    private static ByteBuf utf8(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void aConnectionClosedByThePeerIsOpenedThenClosedWithReasonPeer() throws Exception {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        RawSocket raw = RawSocket.connect(server.localAddress());
        awaitCount(1, "weft.tcp.connections.opened", "side", "server");
        assertEquals(1, open("server"));
        assertEquals(0, closed("server", "peer"));
        raw.close();
        awaitTrue(() -> closed("server", "peer") == 1, "the peer's close was not counted");
        assertEquals(0, open("server"));
    }

    @Test
    void aResetConnectionIsClosedWithReasonLost() throws Exception {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        RawSocket raw = RawSocket.connect(server.localAddress());
        raw.writeFrame("x");
        assertEquals("x", raw.readFrame());
        raw.reset();
        // A reset is seen as an I/O error (lost), or, if the kernel reports it as an end of stream, as the peer's close.
        awaitTrue(() -> closed("server", "lost") + closed("server", "peer") == 1, "the reset was not counted");
        assertEquals(0, open("server"));
    }

    @Test
    void aCorruptFrameClosesTheConnectionWithReasonCorruptFrame() throws Exception {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        try (RawSocket raw = RawSocket.connect(server.localAddress())) {
            raw.writeInt(-1);
            raw.assertClosedByPeer();
        }
        awaitTrue(() -> closed("server", "corrupt-frame") == 1, "the corrupt frame's close was not counted");
        assertEquals(0, closed("server", "peer"));
    }

    @Test
    void anOversizeInboundFrameIsRefusedAndClosesTheConnection() throws Exception {
        TcpServer server = serve(TcpOptions.builder().maxFrameSize(16).build(), ECHO);
        try (RawSocket raw = RawSocket.connect(server.localAddress())) {
            raw.writeInt(17);
            raw.assertClosedByPeer();
        }
        awaitTrue(() -> closed("server", "frame-too-large") == 1, "the oversize frame's close was not counted");
        assertEquals(1, count("weft.tcp.frames.refused", "side", "server", "reason", "oversize"));
    }

    @Test
    void aFailingHandlerClosesWithReasonHandlerFailed() throws Exception {
        TcpServer server = serve(TcpOptions.defaults(), x -> x.fail(new IllegalStateException("failing on purpose")));
        try (RawSocket raw = RawSocket.connect(server.localAddress())) {
            raw.writeFrame("q");
            raw.assertClosedByPeer();
        }
        awaitTrue(() -> closed("server", "handler-failed") == 1, "the failed handler's close was not counted");
    }

    @Test
    void anIncompleteFrameThatTakesTooLongClosesWithReasonFrameTimeout() throws Exception {
        TcpServer server = serve(TcpOptions.builder().frameTimeout(Duration.ofMillis(100)).build(), ECHO);
        try (RawSocket raw = RawSocket.connect(server.localAddress())) {
            raw.writeInt(10).write(new byte[] {1, 2}); // and never the rest
            raw.assertClosedByPeer();
        }
        awaitTrue(() -> closed("server", "frame-timeout") == 1, "the frame timeout's close was not counted");
    }

    @Test
    void anEchoMovesBytesRequestsRepliesAndLatencyOnBothSides() throws Exception {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        TcpConnection c = await(TcpConnection.connect(rt.loop(1), server.localAddress(), TcpOptions.defaults(), null));
        assertEquals(1, count("weft.tcp.connections.opened", "side", "client"));
        assertEquals(1, open("client"));
        int requests = 3;
        for (int i = 0; i < requests; i++) {
            ByteBuf reply = await(c.request(utf8("hello"), null)); // 5 bytes: a 9-byte frame each way
            reply.release();
        }
        long frameBytes = requests * (4 + 5);
        assertEquals(frameBytes, count("weft.tcp.bytes.sent", "side", "client"));
        assertEquals(frameBytes, count("weft.tcp.bytes.received", "side", "client"));
        assertEquals(frameBytes, count("weft.tcp.bytes.received", "side", "server"));
        assertEquals(frameBytes, count("weft.tcp.bytes.sent", "side", "server"));
        for (String side : new String[] {"client", "server"}) {
            assertEquals(requests, count("weft.tcp.requests", "side", side), side);
            assertEquals(requests, count("weft.tcp.replies", "side", side), side);
            Timer latency = registry.get("weft.tcp.request.latency").tags("runtime", "tcp-meters", "side", side).timer();
            assertEquals(requests, latency.count(), side);
            assertTrue(latency.totalTime(TimeUnit.NANOSECONDS) > 0, side + ": no time recorded");
        }
        await(c.close(null));
        assertEquals(1, closed("client", "close"));
        assertEquals(0, open("client"));
        awaitTrue(() -> closed("server", "peer") == 1, "the client's close was not seen by the server as the peer's");
    }

    @Test
    void anOversizeRequestIsRefusedOnTheClient() throws Exception {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        TcpConnection c = await(TcpConnection.connect(rt.loop(1), server.localAddress(),
                TcpOptions.builder().maxFrameSize(4).build(), null));
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(c.request(utf8("too long"), null)));
        assertInstanceOf(FrameTooLargeException.class, e.getCause());
        assertEquals(1, count("weft.tcp.frames.refused", "side", "client", "reason", "oversize"));
        assertEquals(0, count("weft.tcp.requests", "side", "client"), "a refused request is not a request");
        assertEquals(0, count("weft.tcp.bytes.sent", "side", "client"));
    }

    @Test
    void aRequestOverTheConnectionsBoundIsRefusedAsBusy() throws Exception {
        List<TcpExchange> held = new CopyOnWriteArrayList<>();
        TcpServer server = serve(TcpOptions.defaults(), held::add); // never replies
        TcpConnection c = await(TcpConnection.connect(rt.loop(1), server.localAddress(),
                TcpOptions.builder().maxPendingRequests(1).build(), null));
        Op<ByteBuf> first = c.request(utf8("a"), null);
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(c.request(utf8("b"), null)));
        assertInstanceOf(ConnectionBusyException.class, e.getCause());
        assertEquals(1, count("weft.tcp.frames.refused", "side", "client", "reason", "busy"));
        assertEquals(1, count("weft.tcp.requests", "side", "client"));
        awaitTrue(() -> held.size() == 1, "the first request did not arrive");
        held.get(0).reply(utf8("late"));
        await(first).release();
    }

    @Test
    void closingTheServerClosesItsConnectionsWithReasonClose() throws Exception {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        try (RawSocket raw = RawSocket.connect(server.localAddress())) {
            awaitTrue(() -> open("server") == 1, "the connection was not counted as open");
            await(server.close(null));
            raw.assertClosedByPeer();
        }
        awaitTrue(() -> closed("server", "close") == 1, "the server's close was not counted");
        assertEquals(0, closed("server", "peer"), "a connection the server closed is not closed by the peer");
    }

    @Test
    void theRuntimesCloseIsCountedAndRemovesTheMeters() throws Exception {
        TcpServer server = serve(TcpOptions.defaults(), ECHO);
        try (WeftRuntime other = WeftRuntime.builder().loops(1).build();
                RawSocket raw = RawSocket.connect(server.localAddress())) {
            // A client to a server of another runtime, a server connection from a raw socket: neither
            // peer closes when this runtime does, so both closes are the runtime's.
            TcpServer elsewhere = await(TcpServer.bind(other.loop(0), TcpOptions.defaults(), ECHO, null));
            TcpConnection c = await(TcpConnection.connect(rt.loop(1), elsewhere.localAddress(), TcpOptions.defaults(), null));
            awaitTrue(() -> open("server") == 1, "the server's connection was not counted as open");
            FunctionCounter clientClosed = counter("weft.tcp.connections.closed", "side", "client", "reason", "runtime-closed");
            FunctionCounter serverClosed = counter("weft.tcp.connections.closed", "side", "server", "reason", "runtime-closed");
            Gauge clientOpen = registry.get("weft.tcp.connections").tags("side", "client").gauge();
            assertEquals(1, clientOpen.value());
            rt.close();
            assertEquals(1, clientClosed.count());
            assertEquals(1, serverClosed.count());
            assertEquals(0, clientOpen.value());
            assertTrue(registry.find("weft.tcp.connections").meters().isEmpty(), "TCP meters left after close");
            assertTrue(registry.find("weft.tcp.connections.closed").meters().isEmpty(), "TCP counters left after close");
            assertTrue(registry.find("weft.tcp.request.latency").meters().isEmpty(), "latency timers left after close");
            assertTrue(!c.isOpen());
            raw.assertClosedByPeer();
        }
    }

    @Test
    void withoutARegistryThereAreNoCounters() {
        try (WeftRuntime plain = WeftRuntime.builder().loops(1).build()) {
            assertNull(TcpMeters.of(plain));
            assertNull(TcpMeters.client(plain.loop(0)));
        }
    }
}
