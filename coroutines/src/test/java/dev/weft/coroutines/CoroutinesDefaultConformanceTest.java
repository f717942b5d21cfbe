package dev.weft.coroutines;

import dev.weft.conformance.ConformanceSuite;
import dev.weft.conformance.StyleDriver;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.WeftRuntime;

/** The conformance suite, in coroutine style on the JDK's default virtual-thread scheduler. */
class CoroutinesDefaultConformanceTest extends ConformanceSuite {

    @Override
    protected StyleDriver driver(WeftRuntime runtime) {
        return new CoroutinesDriver(Coroutines.of(runtime, CoroutineScheduler.DEFAULT));
    }
}
