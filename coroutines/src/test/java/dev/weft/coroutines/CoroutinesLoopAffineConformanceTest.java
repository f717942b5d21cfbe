package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.conformance.ConformanceSuite;
import dev.weft.conformance.StyleDriver;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.WeftRuntime;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite, in coroutine style with the loop-affine scheduler. In the Surefire run
 * without {@code --add-opens} (the fallback execution) the same suite runs on the fallback.
 */
class CoroutinesLoopAffineConformanceTest extends ConformanceSuite {

    @BeforeAll
    static void schedulerIsWhatThisJvmAllows() {
        boolean opened = !Boolean.getBoolean("weft.test.fallback");
        assertEquals(opened, Coroutines.loopAffineAvailable(),
                "this test JVM was started " + (opened ? "with" : "without") + " --add-opens java.base/java.lang");
    }

    @Override
    protected StyleDriver driver(WeftRuntime runtime) {
        Coroutines co = Coroutines.of(runtime, CoroutineScheduler.LOOP_AFFINE);
        assertEquals(Coroutines.loopAffineAvailable() ? CoroutineScheduler.LOOP_AFFINE : CoroutineScheduler.DEFAULT,
                co.scheduler());
        return new CoroutinesDriver(co);
    }
}
