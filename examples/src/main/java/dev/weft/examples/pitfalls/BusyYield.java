package dev.weft.examples.pitfalls;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.WeftRuntime;
import dev.weft.coroutines.Coroutine;
import dev.weft.coroutines.Coroutines;
import java.util.ArrayList;
import java.util.List;

/**
 * Busy-yield polling: start an operation, then {@code yieldNow()} until it is done ("no syscall, just
 * yield"). Every waiting coroutine is run again on every round whether its operation finished or not,
 * so the loop spends its time resuming coroutines that have nothing to do. Fixed: suspend on the
 * operation ({@code co.tick(...)}): the coroutine is resumed once, when it completes.
 */
final class BusyYield extends Pitfall {
    private final WeftRuntime rt = WeftRuntime.builder().name("busy-yield").loops(1).build();
    private final Coroutines co = Coroutines.of(rt);
    private final int coroutines;
    private final int steps;

    BusyYield(Size size) {
        super("busy-yield polling", "every waiting coroutine is resumed on every round; suspending resumes it once, when its op is done");
        coroutines = pick(size, 20, 100);
        steps = pick(size, 20, 100);
    }

    @Override
    Object naive() throws Exception {
        return run(() -> {
            long sum = 0;
            Loop loop = rt.loop(0);
            for (int i = 0; i < steps; i++) {
                int v = i;
                Op<Integer> op = loop.tick(() -> v, null);  // started, not awaited
                while (!op.isDone()) {
                    co.yieldNow();                           // the pitfall
                }
                sum += op.getOrThrow();
            }
            return sum;
        });
    }

    @Override
    Object fixed() throws Exception {
        return run(() -> {
            long sum = 0;
            for (int i = 0; i < steps; i++) {
                int v = i;
                sum += co.tick(() -> v);                     // suspends until the op completes
            }
            return sum;
        });
    }

    private long run(java.util.concurrent.Callable<Long> body) {
        List<Coroutine<Long>> all = new ArrayList<>();
        for (int c = 0; c < coroutines; c++) {
            all.add(co.launch(rt.loop(0), body));
        }
        long sum = 0;
        for (Coroutine<Long> c : all) {
            sum += c.join();
        }
        return sum;
    }

    @Override
    String timeMeans() {
        return coroutines + " coroutines x " + steps + " loop ticks each, on one loop-affine loop";
    }

    @Override
    public void close() {
        rt.close();
    }
}
