package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.conformance.TcpConformanceSuite;
import dev.weft.conformance.TcpStyleDriver;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.WeftRuntime;
import org.junit.jupiter.api.BeforeAll;

/**
 * The TCP conformance suite, in coroutine style with the loop-affine scheduler: a request's coroutine
 * runs on its connection's loop thread. In the Surefire run without {@code --add-opens} (the
 * fallback execution) the same suite runs on the fallback.
 */
class CoroutinesLoopAffineTcpConformanceTest extends TcpConformanceSuite {

    @BeforeAll
    static void schedulerIsWhatThisJvmAllows() {
        boolean opened = !Boolean.getBoolean("weft.test.fallback");
        assertEquals(opened, Coroutines.loopAffineAvailable(),
                "this test JVM was started " + (opened ? "with" : "without") + " --add-opens java.base/java.lang");
    }

    @Override
    protected TcpStyleDriver driver(WeftRuntime runtime) {
        Coroutines co = Coroutines.of(runtime, CoroutineScheduler.LOOP_AFFINE);
        assertEquals(Coroutines.loopAffineAvailable() ? CoroutineScheduler.LOOP_AFFINE : CoroutineScheduler.DEFAULT,
                co.scheduler());
        return new CoroutinesTcpDriver(co);
    }
}
