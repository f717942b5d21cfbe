/**
 * Weft's core: event loops on Netty, the one completion primitive, and every operation written once.
 *
 * <h2>Threads</h2>
 * A {@link dev.weft.core.WeftRuntime} owns a fixed set of {@link dev.weft.core.Loop loops} (one
 * Netty event-loop thread each) and a bounded worker pool for blocking work. Work for one connection
 * or one chain of operations stays on one loop, so code that stays there needs no locks. Every
 * operation-starting method may be called from any thread; an operation's listener always runs on
 * its loop's thread.
 *
 * <h2>After a loop has ended</h2>
 * {@link dev.weft.core.WeftRuntime#close()} fails every pending operation on its loop, then stops the
 * loop; the loop thread's last act is to run or fail what is still queued ({@link
 * dev.weft.core.Loop#isTerminated()} is then true). Something can still arrive later: a worker task
 * that ignored its interrupt, a loop-affine coroutine that outlived the close timeout, a user's late
 * {@code Promise.succeed}. Such work is never run concurrently with the loop and never queued for a
 * loop that will not run it: it runs on the thread that causes it (a virtual thread's, on a JDK
 * common-pool thread, since a virtual thread cannot carry another), one task at a time per loop. No
 * thread then counts as the loop's: {@code isCarrierThread()} is false everywhere, a loop-affine
 * coroutine's continuation is carried by that thread, and a listener sees the outcome the close
 * gave it ({@link dev.weft.core.RuntimeClosedException}) or the late value, exactly once.
 *
 * <h2>The primitive</h2>
 * {@link dev.weft.core.Op} completes exactly once, with a value, a failure or a cancellation, and
 * tells exactly one {@link dev.weft.core.OpListener}. Timers, tasks, next-iteration ticks, offloads,
 * promises, combinators ({@link dev.weft.core.Ops}) and TCP ({@code dev.weft.core.tcp}) are all
 * {@code Op}s; the callbacks, futures and coroutines facades only adapt them to their idiom, which is
 * why the three styles behave the same and why comparing them measures the style alone.
 *
 * <h2>Errors</h2>
 * Bad arguments throw at once ({@code "delay: PT-0.005S (expected: >= 0)"}); starting an operation
 * on a closed runtime throws {@link dev.weft.core.RuntimeClosedException}; every other failure is the
 * operation's outcome, one of the documented {@link dev.weft.core.WeftException} types or the task's
 * own exception. Waiting on a loop thread outside a coroutine throws
 * {@link dev.weft.core.IllegalBlockingCallException}.
 *
 * <h2>Seams for what comes next</h2>
 * Cancellation travels down a tree ({@link dev.weft.core.Op#onCancel()} of a parent cancels its
 * children), so scopes are parent operations; {@link dev.weft.core.Loop#progress()} is the signal a
 * blocked-loop detector reads; counters are loop-confined plain fields read by meters
 * ({@link dev.weft.core.LoopStats}). {@code dev.weft.core.internal} is not API.
 */
package dev.weft.core;
