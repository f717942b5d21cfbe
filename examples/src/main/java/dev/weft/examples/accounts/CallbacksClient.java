package dev.weft.examples.accounts;

import dev.weft.callbacks.AsyncStep;
import dev.weft.callbacks.Callback;
import dev.weft.callbacks.Callbacks;
import dev.weft.core.Cancellable;
import dev.weft.core.tcp.TcpConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The client in callback style. The shape of the code is the shape of the waits: each step nests in
 * the callback of the one before, and every callback starts with "did it fail?".
 *
 * <p>Failure: the first failed lookup fails {@code all}, which cancels the other lookups; the scope
 * then ends with that failure. Deadline: the scope's one timer cancels everything it owns (the user
 * request or the lookups) and calls back with {@code OperationTimeoutException}.
 */
final class CallbacksClient {
    private CallbacksClient() {}

    /** Calls {@code done} once with the user's total in cents, or why there is none. */
    static void total(Callbacks cb, TcpConnection conn, String user, Duration deadline, Trace trace, Callback<Long> done) {
        cb.<Long>scope(deadline, (scoped, result) ->            // what starts through `scoped` is the scope's
            call(scoped, conn, "user " + user, (accounts, err) -> {
                if (err != null) {
                    result.onComplete(null, err);
                    return;
                }
                List<AsyncStep<Long>> lookups = new ArrayList<>();
                for (String account : accounts.split(",")) {
                    lookups.add(step -> call(scoped, conn, "balance " + account, trace.watch(account,
                            (cents, e) -> step.onComplete(e == null ? Long.parseLong(cents) : null, e))));
                }
                scoped.all(lookups, (balances, e) -> {      // in parallel: three requests on one connection
                    if (e != null) {
                        result.onComplete(null, e);
                        return;
                    }
                    result.onComplete(balances.stream().mapToLong(Long::longValue).sum(), null);
                });
            }), done);
    }

    /** One request: the reply's text, or why not (a refused lookup is a failure here too). */
    private static Cancellable call(Callbacks cb, TcpConnection conn, String query, Callback<String> callback) {
        return cb.request(conn, Bank.encode(conn, query), (reply, err) -> {
            if (err != null) {
                callback.onComplete(null, err);
                return;
            }
            String text;
            try {
                text = Bank.decode(reply);
            } catch (RuntimeException e) {
                callback.onComplete(null, e);
                return;
            }
            callback.onComplete(text, null);
        });
    }
}
