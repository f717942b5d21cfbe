/**
 * Weft in callback style: {@link dev.weft.callbacks.Callbacks}. A {@link dev.weft.callbacks.Callback}
 * is core's listener itself, so a callback step costs no adapter object; it runs once, on the loop
 * thread, with a value or a failure. Combinators take {@link dev.weft.callbacks.AsyncStep}s
 * (operations not yet started) and return a handle that cancels them all.
 */
package dev.weft.callbacks;
