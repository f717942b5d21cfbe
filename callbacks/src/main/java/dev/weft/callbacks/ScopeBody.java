package dev.weft.callbacks;

/**
 * The body of a callback-style scope ({@link Callbacks#scope}): runs once on the scope's loop with a
 * scoped view of the facade (everything started through it belongs to the scope) and the callback
 * that gives the scope its result. Call {@code done} exactly once, now or later; an exception thrown
 * here is the body's failure.
 *
 * @param <T> the scope's result type
 */
@FunctionalInterface
public interface ScopeBody<T> {

    /**
     * @param scoped the facade view whose operations the scope owns
     * @param done gives the scope its result (a value, or a failure that ends the scope)
     */
    void run(Callbacks scoped, Callback<T> done) throws Exception;
}
