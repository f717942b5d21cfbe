package dev.weft.examples.accounts;

import dev.weft.coroutines.Coroutine;
import dev.weft.coroutines.Coroutines;
import dev.weft.core.tcp.TcpConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The client in coroutine style: it reads like blocking code, and a failure is an exception thrown
 * where the wait is. Runs inside a coroutine (each call suspends it; no thread is held).
 *
 * <p>Failure: a lookup's exception fails its coroutine, which fails the scope: the scope cancels the
 * other lookups (their suspended {@code request} throws {@code CancellationException}) and rethrows
 * the failure here. Deadline: every suspended call in the scope throws, the scope throws
 * {@code OperationTimeoutException}.
 */
final class CoroutinesClient {
    private CoroutinesClient() {}

    /** The user's total in cents; throws why there is none. Call it in a coroutine. */
    static long total(Coroutines co, TcpConnection conn, String user, Duration deadline, Trace trace) {
        return co.scope(deadline, () -> {
            String[] accounts = call(co, conn, "user " + user).split(",");
            List<Coroutine<Long>> lookups = new ArrayList<>();
            for (String account : accounts) {                   // in parallel: one coroutine each
                lookups.add(co.launch(() -> trace.watch(account,
                        () -> Long.parseLong(call(co, conn, "balance " + account)))));
            }
            long total = 0;
            for (Coroutine<Long> lookup : lookups) {
                total += lookup.join();
            }
            return total;
        });
    }

    /** One request: the reply's text; a refused lookup throws. */
    private static String call(Coroutines co, TcpConnection conn, String query) {
        return Bank.decode(co.request(conn, Bank.encode(conn, query)));
    }
}
