package dev.weft.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.core.Transport;
import dev.weft.core.WeftRuntime;
import org.junit.jupiter.api.Test;

/**
 * The TCP conformance suite once more on the NIO transport (the other runs use AUTO, which is epoll
 * on Linux): the channel classes differ per transport, the contract must not.
 */
class CallbacksNioTcpConformanceTest extends CallbacksTcpConformanceTest {

    @Override
    protected WeftRuntime.Builder runtimeBuilder() {
        return super.runtimeBuilder().transport(Transport.NIO);
    }

    @Test
    void runsOnNio() {
        assertEquals(Transport.NIO, rt.transport());
    }
}
