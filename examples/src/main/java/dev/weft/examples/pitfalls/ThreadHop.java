package dev.weft.examples.pitfalls;

import dev.weft.core.CoroutineScheduler;
import dev.weft.core.WeftRuntime;
import dev.weft.coroutines.Coroutine;
import dev.weft.coroutines.Coroutines;
import java.util.ArrayList;
import java.util.List;

/**
 * A thread hop per await: on the JDK's default scheduler a coroutine's operation completes on the
 * loop, the coroutine resumes on a ForkJoinPool carrier, and its next operation hops back to the
 * loop. Fixed: the loop-affine scheduler (the default, with {@code --add-opens java.base/java.lang}):
 * the loop's own thread carries the coroutine, so a completion resumes it with no hop.
 */
final class ThreadHop extends Pitfall {
    private final WeftRuntime rt = WeftRuntime.builder().name("thread-hop").loops(1).build();
    private final Coroutines hopping = Coroutines.of(rt, CoroutineScheduler.DEFAULT);
    private final Coroutines affine = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
    private final int coroutines;
    private final int steps;

    ThreadHop(Size size) {
        super("a thread hop per await", "each resume on the default scheduler crosses threads twice; loop-affine resumes on the loop");
        coroutines = pick(size, 4, 10);
        steps = pick(size, 200, 2_000);
    }

    @Override
    Object naive() {
        return run(hopping);
    }

    @Override
    Object fixed() {
        if (affine.scheduler() != CoroutineScheduler.LOOP_AFFINE) {
            throw new IllegalStateException("loop-affine scheduler unavailable: " + affine.fallbackReason());
        }
        return run(affine);
    }

    private long run(Coroutines co) {
        List<Coroutine<Long>> all = new ArrayList<>();
        for (int c = 0; c < coroutines; c++) {
            all.add(co.launch(rt.loop(0), () -> {
                long sum = 0;
                for (int i = 0; i < steps; i++) {
                    int v = i;
                    sum += co.submit(() -> v);   // one loop operation per step
                }
                return sum;
            }));
        }
        long sum = 0;
        for (Coroutine<Long> c : all) {
            sum += c.join();
        }
        return sum;
    }

    @Override
    String timeMeans() {
        return coroutines + " coroutines x " + steps + " co.submit steps; naive = Coroutines.of(rt, DEFAULT)";
    }

    @Override
    public void close() {
        rt.close();
    }
}
