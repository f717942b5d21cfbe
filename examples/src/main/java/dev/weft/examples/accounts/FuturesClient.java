package dev.weft.examples.accounts;

import dev.weft.core.tcp.TcpConnection;
import dev.weft.futures.Futures;
import dev.weft.futures.WeftFuture;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The client in futures style. A pipeline of stages: sequencing is {@code thenCompose}, fan-out is
 * {@code all}, and a failure skips every stage after it, so there is one place that sees it (here:
 * the caller of the returned future).
 *
 * <p>Failure: a failed lookup fails {@code all}, the body's stage fails, and the scope cancels the
 * lookups still running. Deadline: the scope cancels every request it started and fails with
 * {@code OperationTimeoutException}. Stages made with {@code thenApply}/{@code whenComplete} see a
 * failure wrapped in {@code CompletionException}, as {@code CompletableFuture} does.
 *
 * <p>One thing the other styles do not have: when {@code all} fails or the scope gives up, the stages
 * they hold are cancelled, and Weft cancels up the chain to the request (see {@link WeftFuture}); a
 * cancelled stage runs no action, so the {@code whenComplete} below does not run for a cancelled
 * lookup. Cleanup that must run belongs on the operation's own future, or to Weft: a late reply is
 * released for you.
 */
final class FuturesClient {
    private FuturesClient() {}

    /** The user's total in cents, or a failed future saying why there is none. */
    static WeftFuture<Long> total(Futures fu, TcpConnection conn, String user, Duration deadline, Trace trace) {
        return fu.scope(deadline, scoped -> call(scoped, conn, "user " + user)
                .thenCompose(accounts -> scoped.all(Arrays.stream(accounts.split(","))
                        .map(account -> call(scoped, conn, "balance " + account)
                                .whenComplete(trace.watch(account))
                                .thenApply(Long::parseLong))
                        .toList()))
                .thenApply(FuturesClient::sum));
    }

    /** One request: the reply's text; a refused lookup fails the future. */
    private static CompletableFuture<String> call(Futures fu, TcpConnection conn, String query) {
        return fu.request(conn, Bank.encode(conn, query)).thenApply(Bank::decode);
    }

    private static long sum(List<Long> balances) {
        return balances.stream().mapToLong(Long::longValue).sum();
    }
}
