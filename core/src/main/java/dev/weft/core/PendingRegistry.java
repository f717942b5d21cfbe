package dev.weft.core;

/**
 * The operations of one loop that {@link WeftRuntime#close()} must fail if they are still pending:
 * those whose completion comes from outside the loop's run queue (timers, offloads, promises,
 * combinators, coroutines, connections). An intrusive doubly-linked list through the ops' own
 * {@code prevPending}/{@code nextPending} fields: no allocation per op, O(1) add and remove.
 *
 * <p>Thread rule: loop-confined. Only the loop thread (or a virtual thread it carries) touches it,
 * or, after the loop has ended, whatever runs serially in its afterlife (see {@link RunQueue}).
 */
final class PendingRegistry {
    private Op<?> head;
    private int count;

    /** Adds {@code op}; an op that is done or already registered is left alone. */
    void add(Op<?> op) {
        if (op.isDone() || op.registered) {
            return;
        }
        op.registered = true;
        op.nextPending = head;
        if (head != null) {
            head.prevPending = op;
        }
        head = op;
        count++;
    }

    void remove(Op<?> op) {
        Op<?> p = op.prevPending;
        Op<?> n = op.nextPending;
        if (p != null) {
            p.nextPending = n;
        } else {
            head = n;
        }
        if (n != null) {
            n.prevPending = p;
        }
        op.prevPending = null;
        op.nextPending = null;
        op.registered = false;
        count--;
    }

    /** Number of registered operations. Racy when read off the loop. */
    int size() {
        return count;
    }

    /** Fails every registered op with {@code closed}; each leaves the registry as it completes. */
    void failAll(RuntimeClosedException closed) {
        while (head != null) {
            Op<?> h = head;
            // abort() completes it here on the loop, which unregisters it; an op that had already
            // completed elsewhere (its hand-over task still queued) is unregistered by us.
            if (!h.abort(closed) && h == head && h.registered) {
                remove(h);
            }
        }
    }
}
