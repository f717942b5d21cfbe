package dev.weft.core.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every option setter refuses what it cannot use and says which argument and what it expected. */
class TcpOptionsTest {

    @Test
    void defaultsAreDocumented() {
        TcpOptions d = TcpOptions.defaults();
        assertEquals(1 << 20, d.maxFrameSize());
        assertEquals(1024, d.maxPendingRequests());
        assertEquals(32 * 1024, d.writeBufferLowWaterMark());
        assertEquals(64 * 1024, d.writeBufferHighWaterMark());
        assertEquals(Duration.ofSeconds(10), d.connectTimeout());
        assertEquals(16, d.maxPendingRequestsWhenWorkersBusy());
        assertEquals(Duration.ofSeconds(30), d.frameTimeout());
        assertEquals(64L << 20, d.maxPartialFrameBytes());
        assertTrue(d.bindAddress().getAddress().isLoopbackAddress());
        assertEquals(0, d.bindAddress().getPort());
    }

    @Test
    void badValuesAreRejectedNamingTheArgument() {
        rejects("maxFrameSize: 0 (expected: > 0)", () -> TcpOptions.builder().maxFrameSize(0));
        rejects("maxPendingRequests: -1 (expected: > 0)", () -> TcpOptions.builder().maxPendingRequests(-1));
        rejects("writeBufferLowWaterMark: -1 (expected: >= 0)", () -> TcpOptions.builder().writeBufferWaterMarks(-1, 10));
        rejects("writeBufferHighWaterMark: 5 (expected: >= writeBufferLowWaterMark 10)",
                () -> TcpOptions.builder().writeBufferWaterMarks(10, 5));
        rejects("connectTimeout: PT0S (expected: > 0)", () -> TcpOptions.builder().connectTimeout(Duration.ZERO));
        rejects("connectTimeout: PT-1S (expected: > 0)", () -> TcpOptions.builder().connectTimeout(Duration.ofSeconds(-1)));
        rejects("connectTimeout: PT596H31M23.647S (expected: < 2147483647 ms)",
                () -> TcpOptions.builder().connectTimeout(Duration.ofMillis(Integer.MAX_VALUE)));
        rejects("maxPendingRequestsWhenWorkersBusy: 0 (expected: > 0)",
                () -> TcpOptions.builder().maxPendingRequestsWhenWorkersBusy(0));
        rejects("frameTimeout: PT0S (expected: > 0)", () -> TcpOptions.builder().frameTimeout(Duration.ZERO));
        rejects("maxPartialFrameBytes: 0 (expected: > 0)", () -> TcpOptions.builder().maxPartialFrameBytes(0));
        rejects("bindAddress: weft.invalid/<unresolved>:80 (expected: a resolved address)",
                () -> TcpOptions.builder().bindAddress(InetSocketAddress.createUnresolved("weft.invalid", 80)));
        NullPointerException npe = assertThrows(NullPointerException.class, () -> TcpOptions.builder().bindAddress(null));
        assertEquals("bindAddress: null (expected: non-null)", npe.getMessage());
    }

    @Test
    void theWorkerBoundNeverExceedsMaxPendingRequests() {
        assertEquals(4, TcpOptions.builder().maxPendingRequests(4).build().maxPendingRequestsWhenWorkersBusy());
    }

    @Test
    void aConnectTimeoutIsRoundedUpToWholeMilliseconds() {
        assertEquals(1, TcpOptions.builder().connectTimeout(Duration.ofNanos(1)).build().connectTimeoutMillis());
        assertEquals(250, TcpOptions.builder().connectTimeout(Duration.ofMillis(250)).build().connectTimeoutMillis());
    }

    @Test
    void toBuilderKeepsEverything() {
        TcpOptions o = TcpOptions.builder().maxFrameSize(7).maxPendingRequests(3).writeBufferWaterMarks(1, 2)
                .connectTimeout(Duration.ofMillis(5)).bindAddress(new InetSocketAddress(9)).maxPendingRequestsWhenWorkersBusy(2)
                .frameTimeout(Duration.ofMillis(6)).maxPartialFrameBytes(8).build();
        assertEquals(o.toString(), o.toBuilder().build().toString());
    }

    private static void rejects(String message, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(message, e.getMessage());
    }
}
