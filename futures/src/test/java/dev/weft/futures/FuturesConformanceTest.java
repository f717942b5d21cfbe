package dev.weft.futures;

import dev.weft.conformance.ConformanceSuite;
import dev.weft.conformance.Outcome;
import dev.weft.conformance.Src;
import dev.weft.conformance.StyleDriver;
import dev.weft.core.Op;
import dev.weft.core.Repeat;
import dev.weft.core.Scope;
import dev.weft.core.WeftRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** The conformance suite, in CompletableFuture style. */
class FuturesConformanceTest extends ConformanceSuite {

    @Override
    protected StyleDriver driver(WeftRuntime runtime) {
        return new Driver(Futures.of(runtime));
    }

    static final class Driver implements StyleDriver {
        private final Futures fu;

        Driver(Futures fu) {
            this.fu = fu;
        }

        private static <T> Outcome<T> observe(WeftFuture<T> f) {
            Outcome<T> o = new Outcome<>();
            o.handle(() -> f.cancel(true));
            // The async variant: a plain dependent attached after completion would run on the
            // attaching thread (CompletableFuture's rule); the ...Async ones run on the loop.
            f.whenCompleteAsync(o::deliver);
            return o;
        }

        @Override
        public String name() {
            return "futures";
        }

        @Override
        public boolean callsRunInCoroutine() {
            return false;
        }

        @Override
        public <T> Outcome<T> submit(Callable<T> task) {
            return observe(fu.submit(task));
        }

        @Override
        public <T> Outcome<T> tick(Callable<T> task) {
            return observe(fu.tick(task));
        }

        @Override
        public Outcome<Void> delay(Duration delay) {
            return observe(fu.delay(delay));
        }

        @Override
        public Outcome<Integer> delaysInSequence(int count, Duration each) {
            CompletableFuture<Void> chain = fu.delay(each);
            for (int i = 1; i < count; i++) {
                chain = chain.thenCompose(v -> fu.delay(each));
            }
            CompletableFuture<Integer> done = chain.thenApply(v -> count);
            Outcome<Integer> o = new Outcome<>();
            o.handle(() -> done.cancel(true));
            done.whenComplete(o::deliver);
            return o;
        }

        @Override
        public <T> Outcome<T> schedule(Duration delay, Callable<T> task) {
            return observe(fu.schedule(delay, task));
        }

        @Override
        public Outcome<Void> every(Duration initialDelay, Duration period, Repeat repeat, Runnable tick) {
            return observe(fu.every(initialDelay, period, repeat, tick));
        }

        @Override
        public <T> Outcome<T> offload(Callable<T> task) {
            return observe(fu.offload(task));
        }

        @Override
        public <T> Outcome<T> await(Op<T> op) {
            return observe(fu.from(op));
        }

        @Override
        public <T> Outcome<T> awaitWithin(Op<T> op, Duration timeout) {
            return observe(fu.from(op, timeout));
        }

        @Override
        public <T> Outcome<List<T>> all(List<Src<T>> sources) {
            return observe(fu.all(stages(sources)));
        }

        @Override
        public <T> Outcome<T> any(List<Src<T>> sources) {
            return observe(fu.any(stages(sources)));
        }

        @Override
        public <T> Outcome<T> race(List<Src<T>> sources) {
            return observe(fu.race(stages(sources)));
        }

        @Override
        public <T> Outcome<T> timeout(Src<T> source, Duration timeout) {
            return observe(fu.timeout(stage(source), timeout));
        }

        @Override
        public <T> Outcome<String> scope(Scope.Policy policy, Duration deadline, List<Op<T>> children,
                List<Outcome<T>> seen, String result) {
            Function<Futures, CompletionStage<String>> body = scoped -> {
                for (int i = 0; i < children.size(); i++) {
                    scoped.from(children.get(i)).whenComplete(seen.get(i)::deliver);
                }
                return CompletableFuture.completedFuture(result);
            };
            boolean ff = policy == Scope.Policy.FAIL_FAST;
            return observe(deadline == null
                    ? (ff ? fu.scope(body) : fu.supervisorScope(body))
                    : (ff ? fu.scope(deadline, body) : fu.supervisorScope(deadline, body)));
        }

        private <T> List<CompletionStage<T>> stages(List<Src<T>> sources) {
            List<CompletionStage<T>> out = new ArrayList<>();
            for (Src<T> s : sources) {
                out.add(stage(s));
            }
            return out;
        }

        private <T> CompletionStage<T> stage(Src<T> s) {
            return s.isOp() ? fu.from(s.op()) : fu.schedule(s.after(), s.task());
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> Outcome<T> chain(List<Hop> hops, Runnable inTask, Callable<T> atEnd) {
            // Each next hop is started by a dependent stage of the one before, which Weft runs on the loop.
            CompletableFuture<Object> f = hop(hops.get(0), inTask);
            for (Hop h : hops.subList(1, hops.size())) {
                f = f.thenCompose(v -> hop(h, inTask));
            }
            // A WeftFuture's dependents are WeftFutures (newIncompleteFuture).
            return observe((WeftFuture<T>) f.thenApply(v -> {
                try {
                    return atEnd.call();
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }));
        }

        private CompletableFuture<Object> hop(Hop h, Runnable inTask) {
            Callable<Object> task = () -> {
                inTask.run();
                return null;
            };
            return switch (h) {
                case SUBMIT -> fu.submit(task);
                case TICK -> fu.tick(task);
                case DELAY -> fu.delay(Duration.ofMillis(1)).thenApply(v -> v);
                case SCHEDULE -> fu.schedule(Duration.ofMillis(1), task);
                case OFFLOAD -> fu.offload(task);
            };
        }

        @Override
        public boolean waitHere() {
            fu.delay(Duration.ofMillis(100)).join();
            return true;
        }

        @Override
        public int liveThreads() {
            return 0;
        }
    }
}
