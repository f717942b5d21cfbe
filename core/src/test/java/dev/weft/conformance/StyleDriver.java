package dev.weft.conformance;

import dev.weft.core.Op;
import dev.weft.core.Repeat;
import dev.weft.core.Scope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * One style's way of doing each operation of the contract. Each facade's test module implements
 * this once; {@link ConformanceSuite} runs the same behaviour against every implementation.
 *
 * <p>Every method starts the operation the way a user of that style would and returns what the test
 * observes. A coroutine style makes each call inside a coroutine it launches; an exception thrown by
 * the call then fails that coroutine (see {@link #callsRunInCoroutine()}).
 */
public interface StyleDriver {

    /** The style's name, as reports show it. */
    String name();

    /** Whether calls are made inside a coroutine (so argument errors arrive as the coroutine's failure). */
    boolean callsRunInCoroutine();

    <T> Outcome<T> submit(Callable<T> task);

    <T> Outcome<T> tick(Callable<T> task);

    Outcome<Void> delay(Duration delay);

    <T> Outcome<T> schedule(Duration delay, Callable<T> task);

    /**
     * {@code count} delays of {@code each}, one after another, each started when the one before it
     * completed, chained the way this style chains (a callback starting the next, a composed stage, a
     * loop in one coroutine); completes with {@code count}. For the virtual-time tests: the clock must
     * fire timers armed by what an earlier timer set off.
     */
    Outcome<Integer> delaysInSequence(int count, Duration each);

    <T> Outcome<T> offload(Callable<T> task);

    /** A repeating timer ({@code Loop.every}); the outcome is how it ended, its handle stops it. */
    Outcome<Void> every(Duration initialDelay, Duration period, Repeat repeat, Runnable tick);

    <T> Outcome<T> await(Op<T> op);

    /**
     * Awaits {@code op} with this style's per-operation deadline ({@code await(op, timeout)} in
     * callbacks and coroutines, {@code from(op, timeout)} in futures): one loop timer, no thread.
     */
    <T> Outcome<T> awaitWithin(Op<T> op, Duration timeout);

    <T> Outcome<List<T>> all(List<Src<T>> sources);

    <T> Outcome<T> any(List<Src<T>> sources);

    <T> Outcome<T> race(List<Src<T>> sources);

    <T> Outcome<T> timeout(Src<T> source, Duration timeout);

    /** A hop of {@link #chain}: one of the style's operations. */
    enum Hop { SUBMIT, TICK, DELAY, SCHEDULE, OFFLOAD }

    /**
     * Makes this style's calls for {@code hops} one after the other, each started in the continuation
     * of the one before (a callback's callback, a dependent stage, the coroutine's next line), with a
     * 1 ms delay for the timers; each hop's task (all but {@code DELAY} have one) runs {@code inTask};
     * after the last hop, {@code atEnd} runs in the continuation and its value is delivered.
     */
    <T> Outcome<T> chain(List<Hop> hops, Runnable inTask, Callable<T> atEnd);

    /**
     * Runs a scope in this style ({@code policy}, with {@code deadline} or none): its body starts one
     * child per operation of {@code children}, each waiting for its operation through the scoped view
     * (a coroutine launched in the body, for coroutines) and delivering what it got to the matching
     * outcome of {@code seen}, then gives the scope {@code result} at once. The returned outcome is the
     * scope's; its handle cancels the scope.
     */
    <T> Outcome<String> scope(Scope.Policy policy, Duration deadline, List<Op<T>> children, List<Outcome<T>> seen,
            String result);

    /**
     * Makes this style's waiting call (a blocking join, a suspending call) on the current thread,
     * for an operation that takes a while. Returns normally if it waited; returns {@code false}
     * without doing anything if the style has no waiting call.
     */
    boolean waitHere() throws Exception;

    /** Threads of this style still running (live coroutines); 0 for styles that start none. */
    int liveThreads();
}
