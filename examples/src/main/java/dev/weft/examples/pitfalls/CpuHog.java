package dev.weft.examples.pitfalls;

import dev.weft.core.WeftRuntime;
import dev.weft.coroutines.Coroutine;
import dev.weft.coroutines.Coroutines;
import java.util.ArrayList;
import java.util.List;

/**
 * A CPU-bound coroutine that never yields: there is no time slicing, so on a loop-affine runtime it
 * holds the loop until it is done, and every other coroutine of that loop waits. Fixed: give the
 * others a turn ({@code co.yieldNow()}) every slice of work (or {@code co.offload} the whole
 * computation). The time reported is how long the <em>other</em> coroutines took to finish.
 */
final class CpuHog extends Pitfall {
    private final WeftRuntime rt = WeftRuntime.builder().name("cpu-hog").loops(1)
            .blockedLoopThreshold(java.time.Duration.ofSeconds(5)).build();   // this one is on purpose
    private final Coroutines co = Coroutines.of(rt);
    private final int slices;
    private final int sliceWork;
    private final int others;
    private final int otherSteps;

    CpuHog(Size size) {
        super("CPU-bound coroutine never yields", "no preemption: the hog holds the loop until done; yielding every slice lets the others run");
        slices = pick(size, 20, 100);
        sliceWork = pick(size, 20_000, 200_000);
        others = pick(size, 10, 50);
        otherSteps = 10;
    }

    @Override
    Object naive() {
        return run(false);
    }

    @Override
    Object fixed() {
        return run(true);
    }

    private Measured run(boolean yielding) {
        long t0 = System.nanoTime();
        Coroutine<Long> hog = co.launch(rt.loop(0), () -> {
            long h = 0;
            for (int s = 0; s < slices; s++) {
                h = work(h, sliceWork);
                if (yielding) {
                    co.yieldNow();          // the fix: a turn for the others every slice
                }
            }
            return h;
        });
        List<Coroutine<Long>> small = new ArrayList<>();
        for (int i = 0; i < others; i++) {
            small.add(co.launch(rt.loop(0), () -> {
                long sum = 0;
                for (int s = 0; s < otherSteps; s++) {
                    int v = s;
                    sum += co.submit(() -> v);
                }
                return sum;
            }));
        }
        long sum = 0;
        for (Coroutine<Long> c : small) {
            sum += c.join();
        }
        long othersDone = System.nanoTime() - t0;
        return new Measured(sum + "/" + hog.join(), othersDone);
    }

    /** Some arithmetic the JIT cannot drop. */
    private static long work(long h, int n) {
        for (int i = 0; i < n; i++) {
            h = h * 6364136223846793005L + 1442695040888963407L;
            h ^= h >>> 29;
        }
        return h;
    }

    @Override
    String timeMeans() {
        return "until " + others + " small coroutines (" + otherSteps + " loop steps each) finished beside the hog";
    }

    @Override
    public void close() {
        rt.close();
    }
}
