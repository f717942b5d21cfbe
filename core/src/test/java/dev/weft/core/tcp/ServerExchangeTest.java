package dev.weft.core.tcp;

import static dev.weft.conformance.Waits.await;
import static dev.weft.conformance.Waits.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.weft.conformance.LeakCheck;
import dev.weft.conformance.RawSocket;
import dev.weft.core.Op;
import dev.weft.core.WeftRuntime;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The core's side of server exchanges that the styles cannot all express: both a reply and a failure, the cancel hook. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerExchangeTest {
    private WeftRuntime rt;

    @BeforeAll
    static void listenForLeaks() {
        LeakCheck.install();
    }

    @BeforeEach
    void start() {
        rt = WeftRuntime.builder().loops(2).build();
    }

    @AfterEach
    void stop() {
        rt.close();
        LeakCheck.assertNoLeaks();
    }


    @Test
    void aReplyGivenTogetherWithAFailureIsReleasedAndTheConnectionClosed() throws Exception {
        List<ByteBuf> given = new CopyOnWriteArrayList<>();
        TcpHandler both = x -> {
            ByteBuf reply = x.request().alloc().directBuffer().writeBytes("half".getBytes(StandardCharsets.UTF_8));
            given.add(reply);
            x.onComplete(reply, new IllegalStateException("a reply and a failure, on purpose"));
        };
        TcpServer server = await(TcpServer.bind(rt.loop(0), TcpOptions.defaults(), both, null));
        try (RawSocket raw = RawSocket.connect(server.localAddress())) {
            raw.writeFrame("q");
            raw.assertClosedByPeer();
        }
        awaitTrue(() -> given.size() == 1 && given.get(0).refCnt() == 0, "the reply given with a failure was not released");
    }

    @Test
    void theHandlersOfAConnectionThatClosesAreCancelledOnceOnItsLoop() throws Exception {
        List<Thread> cancelledOn = new CopyOnWriteArrayList<>();
        List<ByteBuf> requests = new CopyOnWriteArrayList<>();
        AtomicInteger handled = new AtomicInteger();
        TcpHandler holds = new TcpHandler() {
            @Override
            public TcpExchange newExchange() {
                return new TcpExchange() {
                    @Override
                    protected void onCancel() {
                        cancelledOn.add(Thread.currentThread());
                        fail(new CancellationException("cancelled because its connection closed"));
                    }
                };
            }

            @Override
            public void handle(TcpExchange x) {
                requests.add(x.request());
                handled.incrementAndGet(); // and never replies on its own
            }
        };
        TcpServer server = await(TcpServer.bind(rt.loop(0), TcpOptions.defaults(), holds, null));
        RawSocket raw = RawSocket.connect(server.localAddress());
        raw.writeFrame("a").writeFrame("b");
        awaitTrue(() -> handled.get() == 2, "the requests did not reach the handler");
        raw.reset();
        awaitTrue(() -> cancelledOn.size() == 2 && requests.stream().allMatch(r -> r.refCnt() == 0),
                "the handlers of the reset connection were not cancelled and their requests released");
        Thread loopThread = rt.loops().stream().filter(l -> l.thread() == cancelledOn.get(0)).findAny()
                .orElseThrow(() -> new AssertionError("cancelled off the loops: " + cancelledOn.get(0))).thread();
        assertSame(loopThread, cancelledOn.get(1), "both exchanges of one connection are cancelled on its loop");
        assertEquals(2, handled.get());
    }
}
