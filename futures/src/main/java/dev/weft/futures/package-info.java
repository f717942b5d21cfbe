/**
 * Weft in {@code CompletableFuture} style: {@link dev.weft.futures.Futures}. Each operation returns a
 * {@link dev.weft.futures.WeftFuture} completed on the loop thread, whose default executor is the loop
 * (never the common pool), whose {@code cancel} reaches the operation underneath, and whose
 * {@code join}/{@code get} fail fast on a loop thread instead of deadlocking it.
 */
package dev.weft.futures;
