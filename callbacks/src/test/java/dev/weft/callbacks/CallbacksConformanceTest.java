package dev.weft.callbacks;

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

/** The conformance suite, in callback style. */
class CallbacksConformanceTest extends ConformanceSuite {

    @Override
    protected StyleDriver driver(WeftRuntime runtime) {
        return new Driver(Callbacks.of(runtime));
    }

    static final class Driver implements StyleDriver {
        private final Callbacks cb;

        Driver(Callbacks cb) {
            this.cb = cb;
        }

        @Override
        public String name() {
            return "callbacks";
        }

        @Override
        public boolean callsRunInCoroutine() {
            return false;
        }

        @Override
        public <T> Outcome<T> submit(Callable<T> task) {
            Outcome<T> o = new Outcome<>();
            return o.handle(cb.submit(task, o::deliver));
        }

        @Override
        public <T> Outcome<T> tick(Callable<T> task) {
            Outcome<T> o = new Outcome<>();
            return o.handle(cb.tick(task, o::deliver));
        }

        @Override
        public Outcome<Void> delay(Duration delay) {
            Outcome<Void> o = new Outcome<>();
            return o.handle(cb.delay(delay, o::deliver));
        }

        @Override
        public <T> Outcome<T> schedule(Duration delay, Callable<T> task) {
            Outcome<T> o = new Outcome<>();
            return o.handle(cb.schedule(delay, task, o::deliver));
        }

        @Override
        public Outcome<Integer> delaysInSequence(int count, Duration each) {
            Outcome<Integer> o = new Outcome<>();
            java.util.concurrent.atomic.AtomicReference<dev.weft.core.Cancellable> current =
                    new java.util.concurrent.atomic.AtomicReference<>();
            current.set(cb.delay(each, new Callback<Void>() {
                private int done;

                @Override
                public void onComplete(Void value, Throwable failure) {
                    if (failure != null) {
                        o.deliver(null, failure);
                    } else if (++done == count) {
                        o.deliver(count, null);
                    } else {
                        current.set(cb.delay(each, this));
                    }
                }
            }));
            return o.handle(() -> current.get().cancel());
        }

        @Override
        public Outcome<Void> every(Duration initialDelay, Duration period, Repeat repeat, Runnable tick) {
            Outcome<Void> o = new Outcome<>();
            return o.handle(cb.every(initialDelay, period, repeat, tick, o::deliver));
        }

        @Override
        public <T> Outcome<T> offload(Callable<T> task) {
            Outcome<T> o = new Outcome<>();
            return o.handle(cb.offload(task, o::deliver));
        }

        @Override
        public <T> Outcome<T> await(Op<T> op) {
            Outcome<T> o = new Outcome<>();
            return o.handle(cb.await(op, o::deliver));
        }

        @Override
        public <T> Outcome<T> awaitWithin(Op<T> op, Duration timeout) {
            Outcome<T> o = new Outcome<>();
            return o.handle(cb.await(op, timeout, o::deliver));
        }

        @Override
        public <T> Outcome<List<T>> all(List<Src<T>> sources) {
            Outcome<List<T>> o = new Outcome<>();
            return o.handle(cb.all(steps(sources), o::deliver));
        }

        @Override
        public <T> Outcome<T> any(List<Src<T>> sources) {
            Outcome<T> o = new Outcome<>();
            return o.handle(cb.any(steps(sources), o::deliver));
        }

        @Override
        public <T> Outcome<T> race(List<Src<T>> sources) {
            Outcome<T> o = new Outcome<>();
            return o.handle(cb.race(steps(sources), o::deliver));
        }

        @Override
        public <T> Outcome<T> timeout(Src<T> source, Duration timeout) {
            Outcome<T> o = new Outcome<>();
            return o.handle(cb.timeout(timeout, step(source), o::deliver));
        }

        @Override
        public <T> Outcome<String> scope(Scope.Policy policy, Duration deadline, List<Op<T>> children,
                List<Outcome<T>> seen, String result) {
            ScopeBody<String> body = (scoped, done) -> {
                for (int i = 0; i < children.size(); i++) {
                    scoped.await(children.get(i), seen.get(i)::deliver);
                }
                done.onComplete(result, null);
            };
            Outcome<String> o = new Outcome<>();
            boolean ff = policy == Scope.Policy.FAIL_FAST;
            return o.handle(deadline == null
                    ? (ff ? cb.scope(body, o::deliver) : cb.supervisorScope(body, o::deliver))
                    : (ff ? cb.scope(deadline, body, o::deliver) : cb.supervisorScope(deadline, body, o::deliver)));
        }

        private <T> List<AsyncStep<T>> steps(List<Src<T>> sources) {
            List<AsyncStep<T>> steps = new ArrayList<>();
            for (Src<T> s : sources) {
                steps.add(step(s));
            }
            return steps;
        }

        private <T> AsyncStep<T> step(Src<T> s) {
            return s.isOp() ? c -> cb.await(s.op(), c) : c -> cb.schedule(s.after(), s.task(), c);
        }

        @Override
        public <T> Outcome<T> chain(List<Hop> hops, Runnable inTask, Callable<T> atEnd) {
            Outcome<T> o = new Outcome<>();
            hop(hops, 0, inTask, atEnd, o);
            return o;
        }

        /** Hop {@code i}, whose callback makes hop {@code i + 1}: callbacks' callbacks. */
        private <T> void hop(List<Hop> hops, int i, Runnable inTask, Callable<T> atEnd, Outcome<T> o) {
            if (i == hops.size()) {
                T v;
                try {
                    v = atEnd.call();
                } catch (Exception e) {
                    o.deliver(null, e);
                    return;
                }
                o.deliver(v, null);
                return;
            }
            Callback<Object> next = (v, err) -> {
                if (err != null) {
                    o.deliver(null, err);
                } else {
                    hop(hops, i + 1, inTask, atEnd, o);
                }
            };
            Callable<Object> task = () -> {
                inTask.run();
                return null;
            };
            switch (hops.get(i)) {
                case SUBMIT -> cb.submit(task, next);
                case TICK -> cb.tick(task, next);
                case DELAY -> cb.delay(Duration.ofMillis(1), next);
                case SCHEDULE -> cb.schedule(Duration.ofMillis(1), task, next);
                case OFFLOAD -> cb.offload(task, next);
            }
        }

        @Override
        public boolean waitHere() {
            return false; // callback style has no waiting call: there is nothing that could deadlock
        }

        @Override
        public int liveThreads() {
            return 0;
        }
    }
}
