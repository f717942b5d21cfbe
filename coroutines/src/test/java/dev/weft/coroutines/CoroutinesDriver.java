package dev.weft.coroutines;

import dev.weft.conformance.Outcome;
import dev.weft.conformance.Src;
import dev.weft.conformance.StyleDriver;
import dev.weft.core.Op;
import dev.weft.core.Repeat;
import dev.weft.core.Scope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Coroutine style: every call is made inside a coroutine; the outcome is the coroutine's. */
final class CoroutinesDriver implements StyleDriver {
    private final Coroutines co;

    CoroutinesDriver(Coroutines co) {
        this.co = co;
    }

    private <T> Outcome<T> inCoroutine(Callable<T> body) {
        Outcome<T> o = new Outcome<>();
        Coroutine<T> c = co.launch(body);
        c.onComplete(o::deliver);
        return o.handle(c).issued(() -> c.isSuspended() || c.isDone(), c.carrierLoop() != null);
    }

    @Override
    public String name() {
        return "coroutines-" + co.scheduler().name().toLowerCase();
    }

    @Override
    public boolean callsRunInCoroutine() {
        return true;
    }

    @Override
    public <T> Outcome<T> submit(Callable<T> task) {
        return inCoroutine(() -> co.submit(task));
    }

    @Override
    public <T> Outcome<T> tick(Callable<T> task) {
        return inCoroutine(() -> co.tick(task));
    }

    @Override
    public Outcome<Void> delay(Duration delay) {
        return inCoroutine(() -> {
            co.delay(delay);
            return null;
        });
    }

    @Override
    public Outcome<Integer> delaysInSequence(int count, Duration each) {
        return inCoroutine(() -> {
            for (int i = 0; i < count; i++) {
                co.delay(each);
            }
            return count;
        });
    }

    @Override
    public Outcome<Void> every(Duration initialDelay, Duration period, Repeat repeat, Runnable tick) {
        return inCoroutine(() -> co.await(co.every(initialDelay, period, repeat, tick)));
    }

    @Override
    public <T> Outcome<T> schedule(Duration delay, Callable<T> task) {
        return inCoroutine(() -> co.schedule(delay, task));
    }

    @Override
    public <T> Outcome<T> offload(Callable<T> task) {
        return inCoroutine(() -> co.offload(task));
    }

    @Override
    public <T> Outcome<T> await(Op<T> op) {
        return inCoroutine(() -> co.await(op));
    }

    @Override
    public <T> Outcome<T> awaitWithin(Op<T> op, Duration timeout) {
        return inCoroutine(() -> co.await(op, timeout));
    }

    @Override
    public <T> Outcome<List<T>> all(List<Src<T>> sources) {
        return inCoroutine(() -> co.all(bodies(sources)));
    }

    @Override
    public <T> Outcome<T> any(List<Src<T>> sources) {
        return inCoroutine(() -> co.any(bodies(sources)));
    }

    @Override
    public <T> Outcome<T> race(List<Src<T>> sources) {
        return inCoroutine(() -> co.race(bodies(sources)));
    }

    @Override
    public <T> Outcome<T> timeout(Src<T> source, Duration timeout) {
        return inCoroutine(() -> co.withTimeout(timeout, body(source)));
    }

    @Override
    public <T> Outcome<String> scope(Scope.Policy policy, Duration deadline, List<Op<T>> children,
            List<Outcome<T>> seen, String result) {
        Callable<String> body = () -> {
            for (int i = 0; i < children.size(); i++) {
                Op<T> op = children.get(i);
                Outcome<T> o = seen.get(i);
                co.launch(() -> { // a child of the scope
                    try {
                        T v = co.await(op);
                        o.deliver(v, null);
                        return v;
                    } catch (Throwable t) {
                        o.deliver(null, t);
                        throw t;
                    }
                });
            }
            return result;
        };
        boolean ff = policy == Scope.Policy.FAIL_FAST;
        return inCoroutine(() -> deadline == null
                ? (ff ? co.scope(body) : co.supervisorScope(body))
                : (ff ? co.scope(deadline, body) : co.supervisorScope(deadline, body)));
    }

    private <T> List<Callable<T>> bodies(List<Src<T>> sources) {
        List<Callable<T>> out = new ArrayList<>();
        for (Src<T> s : sources) {
            out.add(body(s));
        }
        return out;
    }

    private <T> Callable<T> body(Src<T> s) {
        return s.isOp() ? () -> co.await(s.op()) : () -> co.schedule(s.after(), s.task());
    }

    @Override
    public <T> Outcome<T> chain(List<Hop> hops, Runnable inTask, Callable<T> atEnd) {
        return inCoroutine(() -> {
            Callable<Object> task = () -> {
                inTask.run();
                return null;
            };
            for (Hop h : hops) { // each call resumes the body, on the loop or a carrier, before the next
                switch (h) {
                    case SUBMIT -> co.submit(task);
                    case TICK -> co.tick(task);
                    case DELAY -> co.delay(Duration.ofMillis(1));
                    case SCHEDULE -> co.schedule(Duration.ofMillis(1), task);
                    case OFFLOAD -> co.offload(task);
                }
            }
            return atEnd.call();
        });
    }

    @Override
    public boolean waitHere() {
        co.delay(Duration.ofMillis(100));
        return true;
    }

    @Override
    public int liveThreads() {
        return co.liveCoroutines();
    }
}
