/**
 * Weft in coroutine style: {@link dev.weft.coroutines.Coroutines} starts virtual threads whose
 * suspending calls park until the operation completes on its loop. Two schedulers
 * ({@link dev.weft.core.CoroutineScheduler}): the JDK's ForkJoinPool, where every resume hops
 * threads, and the loop-affine one, where the loop's own thread carries the coroutine (see
 * {@code internal.LoopCarriers} for how, what it relies on, and where a step's time goes).
 * {@link dev.weft.coroutines.Coroutines#stats()} counts resumes on and off the loop at every resume.
 *
 * <p>Threads after close. {@link dev.weft.core.WeftRuntime#close()} fails every pending operation,
 * waits up to its close timeout for the coroutines to end, then stops the loops. A loop-affine
 * coroutine still running then (blocked outside Weft, say in {@code Thread.sleep}) outlives its
 * loop: while the loop thread lives, its continuations still run there; once that thread has ended,
 * they run on Weft's own daemon threads ({@code weft-orphaned-coroutine-carrier}), never inline on
 * the thread that woke the coroutine. From then on the coroutine is not loop-confined, and nothing
 * says it is: {@code Loop.isCarrierThread()} is false in it and it has no carrier loop; its
 * suspending calls fail with {@link dev.weft.core.RuntimeClosedException} like every call after
 * close. A default-scheduler coroutine runs on the JDK's scheduler before and after close alike.
 *
 * <p>Blocking in a coroutine: a blocking call that is not Weft's ({@code Thread.sleep}, a JDK queue
 * or lock, {@code WeftFuture.join()}) parks the coroutine and frees its carrier, the loop thread
 * included; cancelling the coroutine interrupts such a call (see {@link dev.weft.coroutines.Coroutine}).
 * A failure that nothing takes is logged and counted (see
 * {@link dev.weft.coroutines.Coroutines#launch(dev.weft.core.Loop, java.util.concurrent.Callable)}).
 */
package dev.weft.coroutines;
