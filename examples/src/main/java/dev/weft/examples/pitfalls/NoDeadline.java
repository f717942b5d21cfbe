package dev.weft.examples.pitfalls;

import dev.weft.core.OperationTimeoutException;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import dev.weft.coroutines.Coroutine;
import dev.weft.coroutines.Coroutines;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A coroutine that waits forever: each call waits for a downstream that never answers, with no
 * deadline and no owner. The caller gives up after {@link #PATIENCE}, but its coroutines stay parked
 * for the life of the runtime: a leak, shown by the count of live coroutines (each a virtual thread)
 * after the runs. Fixed: the same calls in a {@code co.scope} with a deadline: on expiry the scope
 * cancels them all, and nothing outlives it. Both sides take about the same time: the gap is what
 * is left behind.
 */
final class NoDeadline extends Pitfall {
    private static final Duration PATIENCE = Duration.ofMillis(20);

    private final WeftRuntime naiveRt = WeftRuntime.builder().name("no-deadline").loops(1).build();
    private final WeftRuntime fixedRt = WeftRuntime.builder().name("scoped").loops(1).build();
    private final Coroutines naiveCo = Coroutines.of(naiveRt);
    private final Coroutines fixedCo = Coroutines.of(fixedRt);
    private final int calls;
    private int runs;

    NoDeadline(Size size) {
        super("waiting forever, no deadline", "a wait with no deadline and no owner never ends: its coroutine leaks; a scope's deadline cancels it");
        calls = pick(size, 50, 1_000);
    }

    /** A downstream call that never answers. */
    private static <T> T hungCall(Coroutines co, WeftRuntime rt) {
        Promise<T> never = rt.loop(0).promise(null);
        return co.await(never);
    }

    @Override
    Object naive() throws Exception {
        runs++;
        AtomicInteger answered = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(calls);
        for (int i = 0; i < calls; i++) {
            naiveCo.launch(() -> {                       // from a plain thread: belongs to nobody
                hungCall(naiveCo, naiveRt);               // no deadline
                answered.incrementAndGet();
                all.countDown();
                return null;
            });
        }
        all.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);   // the caller gives up; its coroutines do not
        return answered.get() + " of " + calls + " answered";
    }

    @Override
    Object fixed() {
        AtomicInteger answered = new AtomicInteger();
        Coroutine<Void> caller = fixedCo.launch(() -> {
            try {
                fixedCo.scope(PATIENCE, () -> {            // owns the calls; cancels them at the deadline
                    List<Coroutine<Object>> pending = new ArrayList<>();
                    for (int i = 0; i < calls; i++) {
                        pending.add(fixedCo.launch(() -> {
                            Object v = hungCall(fixedCo, fixedRt);
                            answered.incrementAndGet();
                            return v;
                        }));
                    }
                    for (Coroutine<Object> c : pending) {
                        c.join();
                    }
                    return null;
                });
            } catch (OperationTimeoutException expected) {
                // gave up, and nothing is left running
            }
            return null;
        });
        caller.join();
        return answered.get() + " of " + calls + " answered";
    }

    @Override
    String timeMeans() {
        return calls + " calls to a downstream that never answers; the caller waits " + PATIENCE.toMillis() + " ms";
    }

    @Override
    String naiveNote() {
        return "live coroutines (virtual threads) after " + runs + " runs: " + naiveCo.liveCoroutines() + " (parked until the runtime closes)";
    }

    @Override
    String fixedNote() {
        return "live coroutines (virtual threads) after " + runs + " runs: " + fixedCo.liveCoroutines();
    }

    @Override
    public void close() {
        naiveRt.close();
        fixedRt.close();
    }
}
