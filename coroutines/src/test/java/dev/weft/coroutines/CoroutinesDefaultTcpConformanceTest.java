package dev.weft.coroutines;

import dev.weft.conformance.TcpConformanceSuite;
import dev.weft.conformance.TcpStyleDriver;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.WeftRuntime;

/** The TCP conformance suite, in coroutine style on the JDK's default virtual-thread scheduler. */
class CoroutinesDefaultTcpConformanceTest extends TcpConformanceSuite {

    @Override
    protected TcpStyleDriver driver(WeftRuntime runtime) {
        return new CoroutinesTcpDriver(Coroutines.of(runtime, CoroutineScheduler.DEFAULT));
    }
}
