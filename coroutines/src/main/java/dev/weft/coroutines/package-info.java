/**
 * Weft in coroutine style: {@link dev.weft.coroutines.Coroutines} starts virtual threads whose
 * suspending calls park until the operation completes on its loop. Two schedulers
 * ({@link dev.weft.core.CoroutineScheduler}): the JDK's ForkJoinPool, where every resume hops
 * threads, and the loop-affine one, where the loop's own thread carries the coroutine (see
 * {@code internal.LoopCarriers} for how, what it relies on, and where a step's time goes).
 * {@link dev.weft.coroutines.Coroutines#stats()} counts resumes on and off the loop at every resume.
 */
package dev.weft.coroutines;
