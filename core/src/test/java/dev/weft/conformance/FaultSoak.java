package dev.weft.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.core.OperationTimeoutException;
import dev.weft.core.Promise;
import dev.weft.core.RuntimeClosedException;
import dev.weft.core.WeftRuntime;
import dev.weft.core.WorkerPoolFullException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The fault soak: many operations of one style, of every kind the contract covers, mixing success,
 * failure, a cancel racing the completion from another thread, timeouts, offloads, and a
 * {@link WeftRuntime#close()} started from another thread while operations are still being started
 * and completed. It counts the deliveries of every operation: none may be lost, none doubled, each
 * must be one of the outcomes its kind allows, and no thread of the runtime may outlive close().
 *
 * <p>Size: {@value #DEFAULT_OPS} operations per style by default (a few seconds per style), or
 * {@code -Dweft.soak.ops=N}; they run in rounds of at most {@value #OPS_PER_ROUND}, each on its own
 * runtime closed when 80% of its operations have been started (so each round has its close in the
 * middle). {@code -Dweft.soak.seed=S} replays a mix.
 */
final class FaultSoak {
    static final String OPS_PROPERTY = "weft.soak.ops";
    static final String SEED_PROPERTY = "weft.soak.seed";
    static final int DEFAULT_OPS = 100_000;
    static final int OPS_PER_ROUND = 25_000;
    private static final long WAIT = Outcome.WAIT_SECONDS;

    /** How an operation ended, as the soak counts it. */
    enum Result { VALUE, FAILED, CANCELLED, TIMED_OUT, CLOSED, POOL_FULL }

    /** The kinds of operation in the mix, each with the outcomes it may end with. */
    enum Kind {
        SUBMIT(Result.VALUE),
        SUBMIT_FAILS(Result.FAILED),
        SCHEDULE(Result.VALUE),
        OFFLOAD(Result.VALUE, Result.POOL_FULL),
        OFFLOAD_FAILS(Result.FAILED, Result.POOL_FULL),
        PROMISE_COMPLETED_ELSEWHERE(Result.VALUE),
        CANCEL_RACES_PROMISE(Result.VALUE, Result.CANCELLED),
        CANCEL_RACES_SUBMIT(Result.VALUE, Result.CANCELLED),
        CANCEL_RACES_OFFLOAD(Result.VALUE, Result.CANCELLED, Result.POOL_FULL),
        CANCELLED_DELAY(Result.CANCELLED),
        TIMEOUT_RACES_PROMISE(Result.VALUE, Result.TIMED_OUT),
        TIMEOUT_EXPIRES(Result.TIMED_OUT),
        RACE(Result.VALUE, Result.FAILED),
        PENDING_UNTIL_CLOSE();

        final Set<Result> allowed;

        Kind(Result... allowed) {
            EnumSet<Result> a = EnumSet.of(Result.CLOSED); // any of them may meet the close
            a.addAll(List.of(allowed));
            this.allowed = a;
        }
    }

    /** The failure the failing kinds end with. */
    static final class SoakFailure extends RuntimeException {
        SoakFailure(int id) {
            super("soak failure " + id, null, false, false);
        }
    }

    /** What one soak counted; {@code lost}, {@code doubled} and {@code unexpected} must be zero/empty. */
    static final class Counts {
        final long[] results = new long[Result.values().length];
        long started;
        long refused;
        long lost;
        long doubled;
        final List<String> unexpected = new ArrayList<>();

        long get(Result r) {
            return results[r.ordinal()];
        }

        void unexpected(String what) {
            if (unexpected.size() < 20) {
                unexpected.add(what);
            } else if (unexpected.size() == 20) {
                unexpected.add("...");
            }
        }

        @Override
        public String toString() {
            return "ok=" + get(Result.VALUE) + " failed=" + get(Result.FAILED) + " cancelled=" + get(Result.CANCELLED)
                    + " timedOut=" + get(Result.TIMED_OUT) + " closed=" + get(Result.CLOSED) + " poolFull="
                    + get(Result.POOL_FULL) + " refusedAtClose=" + refused + "; lost=" + lost + " doubled=" + doubled
                    + " unexpected=" + unexpected.size();
        }
    }

    private FaultSoak() {}

    static int opsFromProperty() {
        return Integer.getInteger(OPS_PROPERTY, DEFAULT_OPS);
    }

    /**
     * Runs the soak for one style and asserts its counts (also printed).
     *
     * @param drivers the style's driver over a runtime
     * @param builders a fresh runtime builder with the style's options (the soak sets loops and workers)
     */
    static Counts run(String style, Function<WeftRuntime, StyleDriver> drivers, Supplier<WeftRuntime.Builder> builders,
            int ops) {
        long seed = Long.getLong(SEED_PROPERTY, System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        Counts counts = new Counts();
        long t0 = System.nanoTime();
        int rounds = 0;
        for (int done = 0; done < ops; done += OPS_PER_ROUND) {
            round(drivers, builders, Math.min(OPS_PER_ROUND, ops - done), random, counts);
            rounds++;
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("fault soak %s: %d operations in %d ms, %d rounds with a close each (seed %d): %s%n", style,
                ops, millis, rounds, seed, counts);
        assertEquals(0, counts.lost, style + ": operations never delivered: " + counts);
        assertEquals(0, counts.doubled, style + ": operations delivered more than once: " + counts);
        if (!counts.unexpected.isEmpty()) {
            fail(style + ": outcomes their operation does not allow (seed " + seed + "):\n"
                    + String.join("\n", counts.unexpected));
        }
        long sum = counts.refused;
        for (long n : counts.results) {
            sum += n;
        }
        assertEquals(ops, sum, "every operation counted once: " + counts);
        for (Result r : List.of(Result.VALUE, Result.FAILED, Result.CANCELLED, Result.TIMED_OUT, Result.CLOSED)) {
            assertTrue(counts.get(r) > 0, style + ": the mix never produced " + r + ": " + counts);
        }
        return counts;
    }

    private static void round(Function<WeftRuntime, StyleDriver> drivers, Supplier<WeftRuntime.Builder> builders,
            int ops, SplittableRandom random, Counts counts) {
        WeftRuntime r = builders.get().loops(2).workers(4, 4 * OPS_PER_ROUND).build();
        StyleDriver s = drivers.apply(r);
        AtomicInteger helperIds = new AtomicInteger();
        ExecutorService helpers = Executors.newFixedThreadPool(2,
                task -> new Thread(task, "soak-helper-" + helperIds.incrementAndGet()));
        Thread closer = new Thread(r::close, "soak-closer");
        Kind[] kinds = Kind.values();
        Kind[] kindOf = new Kind[ops];
        Outcome<?>[] outcomes = new Outcome<?>[ops];
        int closeAt = ops * 4 / 5;
        try {
            for (int id = 0; id < ops; id++) {
                if (id == closeAt) {
                    closer.start();
                }
                Kind k = kinds[random.nextInt(kinds.length)];
                kindOf[id] = k;
                try {
                    outcomes[id] = start(k, id, r, s, helpers);
                    counts.started++;
                } catch (RuntimeClosedException refused) {
                    counts.refused++; // started after close() began: refused by the call, nothing to deliver
                } catch (Throwable t) {
                    counts.unexpected(k + " #" + id + ": the call threw " + t);
                    counts.refused++;
                }
            }
        } finally {
            if (closer.getState() == Thread.State.NEW) {
                closer.start();
            }
            helpers.shutdown();
        }
        try {
            closer.join(TimeUnit.SECONDS.toMillis(WAIT));
            assertTrue(helpers.awaitTermination(WAIT, TimeUnit.SECONDS), "soak helpers did not finish");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertTrue(!closer.isAlive(), "close() did not return");
        // Everything started has been delivered by now, or is being (a listener running on a loop
        // thread that close() waits for, a cancel's dependents on its helper): wait, bounded.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
        for (Outcome<?> o : outcomes) {
            while (o != null && !o.isDelivered() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                Thread.yield();
            }
        }
        Waits.assertNoThreadsLeft(r, s.liveThreads());
        for (int id = 0; id < ops; id++) {
            Outcome<?> o = outcomes[id];
            if (o == null) {
                continue;
            }
            int n = o.deliveries();
            if (n == 0) {
                counts.lost++;
                counts.unexpected(kindOf[id] + " #" + id + ": never delivered");
                continue;
            }
            if (n > 1) {
                counts.doubled++;
                counts.unexpected(kindOf[id] + " #" + id + ": delivered " + n + " times");
            }
            classify(kindOf[id], id, o, counts);
        }
    }

    private static void classify(Kind k, int id, Outcome<?> o, Counts counts) {
        Result result;
        String detail;
        if (o.succeeded()) {
            Object v = o.value();
            result = Result.VALUE;
            detail = "value " + v;
            if (!Integer.valueOf(id).equals(v)) {
                counts.unexpected(k + " #" + id + ": wrong value " + v);
                return;
            }
        } else {
            Throwable f = o.failure();
            detail = f.toString();
            if (f instanceof SoakFailure) {
                result = Result.FAILED;
            } else if (f instanceof CancellationException) {
                result = Result.CANCELLED;
            } else if (f instanceof OperationTimeoutException) {
                result = Result.TIMED_OUT;
            } else if (f instanceof RuntimeClosedException) {
                result = Result.CLOSED;
            } else if (f instanceof WorkerPoolFullException) {
                result = Result.POOL_FULL;
            } else {
                counts.unexpected(k + " #" + id + ": failed with " + f);
                return;
            }
        }
        if (!k.allowed.contains(result)) {
            counts.unexpected(k + " #" + id + ": ended with " + detail + ", allowed: " + k.allowed);
            return;
        }
        counts.results[result.ordinal()]++;
    }

    /** Starts one operation of kind {@code k} with id {@code id}; its value, if any, is {@code id}. */
    private static Outcome<?> start(Kind k, int id, WeftRuntime r, StyleDriver s, ExecutorService helpers) {
        Integer value = id;
        switch (k) {
            case SUBMIT:
                return s.submit(() -> value);
            case SUBMIT_FAILS:
                return s.submit(() -> {
                    throw new SoakFailure(id);
                });
            case SCHEDULE:
                return s.schedule(Duration.ofMillis(id % 3), () -> value);
            case OFFLOAD:
                return s.offload(() -> value);
            case OFFLOAD_FAILS:
                return s.offload(() -> {
                    throw new SoakFailure(id);
                });
            case PROMISE_COMPLETED_ELSEWHERE: {
                Promise<Integer> p = r.loop(id % 2).promise(null);
                Outcome<Integer> o = s.await(p);
                helpers.execute(() -> p.succeed(value));
                return o;
            }
            case CANCEL_RACES_PROMISE: {
                Promise<Integer> p = r.loop(id % 2).promise(null);
                Outcome<Integer> o = s.await(p);
                helpers.execute(() -> p.succeed(value));
                o.cancel();
                return o;
            }
            case CANCEL_RACES_SUBMIT: {
                Outcome<Integer> o = s.submit(() -> value);
                helpers.execute(o::cancel);
                return o;
            }
            case CANCEL_RACES_OFFLOAD: {
                Outcome<Integer> o = s.offload(() -> value);
                helpers.execute(o::cancel);
                return o;
            }
            case CANCELLED_DELAY: {
                Outcome<Void> o = s.delay(Duration.ofHours(1));
                helpers.execute(o::cancel);
                return o;
            }
            case TIMEOUT_RACES_PROMISE: {
                Promise<Integer> p = r.loop(id % 2).promise(null);
                Outcome<Integer> o = s.timeout(Src.of(p), Duration.ofMillis(1));
                helpers.execute(() -> p.succeed(value));
                return o;
            }
            case TIMEOUT_EXPIRES:
                return s.timeout(Src.of(r.loop(id % 2).<Integer>promise(null)), Duration.ofMillis(id % 2));
            case RACE:
                return s.race(List.of(Src.value(value, 0), Src.<Integer>failure(new SoakFailure(id), 5)));
            case PENDING_UNTIL_CLOSE:
                return s.await(r.loop(id % 2).<Integer>promise(null));
            default:
                throw new AssertionError(k);
        }
    }
}
