package dev.weft.examples.accounts;

import dev.weft.callbacks.Callback;
import dev.weft.core.OperationTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;

/**
 * What happened to each account lookup of one run, in whichever style: its balance, its failure,
 * or that it was cancelled. One method per style, so that watching a lookup reads the way that
 * style reads; none of this is needed to get the total, only to print what happened.
 */
final class Trace {
    private final List<String> accounts;
    private final Map<String, String> outcomes = new ConcurrentSkipListMap<>();

    /** A trace of the lookups of {@code accounts} (a lookup nothing was heard of is printed as such). */
    Trace(List<String> accounts) {
        this.accounts = accounts;
    }

    /** How a lookup whose watcher never ran is printed (see {@link FuturesClient}: a cancelled stage runs no action). */
    static final String UNSEEN = "cancelled*";

    /** Callbacks: a callback that records the outcome, then passes it on. */
    <T> Callback<T> watch(String account, Callback<T> next) {
        return (value, failure) -> {
            record(account, value, failure);
            next.onComplete(value, failure);
        };
    }

    /** Futures: a {@code whenComplete} action. */
    <T> BiConsumer<T, Throwable> watch(String account) {
        return (value, failure) -> record(account, value, failure);
    }

    /** Coroutines: runs the lookup here, recording how it ended. */
    <T> T watch(String account, Callable<T> lookup) throws Exception {
        try {
            T value = lookup.call();
            record(account, value, null);
            return value;
        } catch (Exception | Error e) {
            record(account, null, e);
            throw e;
        }
    }

    private void record(String account, Object value, Throwable failure) {
        outcomes.put(account, failure == null ? Accounts.money(Long.parseLong(value.toString())) : describe(failure));
    }

    /** A failure in a word or a line: the cause under the wrappers each style adds. */
    static String describe(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof CancellationException) {
            return "cancelled";
        }
        if (t instanceof OperationTimeoutException) {
            return "timed out (" + t.getMessage() + ")";
        }
        return "failed (" + t.getMessage() + ")";
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(", ");
        for (String account : accounts) {
            j.add(account + " " + outcomes.getOrDefault(account, UNSEEN));
        }
        return j.toString();
    }
}
