package dev.weft.coroutines;

import dev.weft.core.RuntimeClosedException;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failures of one facade's coroutines that nobody took: logged once (WARN, with the stack) and
 * counted, as a thread's uncaught exception would be.
 *
 * <pre>
 * Overview (maintainers)
 *
 * The rule: a coroutine's failure is unobserved when its body failed (not with a cancellation, and
 * not with the runtime's closing), its Op was not already over (cancelled or closed), its consumer
 * was not known at launch (a child of all/any/race/withTimeout has one), it had no listener when it
 * failed, and nobody has taken the outcome since: no listener attached, no Coroutines.await of it;
 * decided when the coroutine has become unreachable (a Cleaner), or at the latest when the runtime
 * closes. Deciding at the failure itself would report the normal "launch, then await a bit later"
 * whenever the body is quick to fail.
 *
 * Ordering: the Suspect is written to the coroutine before the failure is published (Op.fail), so
 * an await that sees the failure also sees the Suspect and marks it observed. A listener attached
 * with onComplete after the check at the failure is seen by the close-time sweep, not by the
 * Cleaner (which can no longer look at the coroutine): such a late listener, with the coroutine
 * dropped before close, is the one case reported though observed. Attach listeners before the body
 * can fail (Coroutines' combinators and await do), or await with Coroutines.await.
 *
 * Cost: nothing unless a body fails; then one small object, and for an unobserved one a Cleaner
 * registration and a set entry.
 * </pre>
 */
final class UnobservedFailures {
    private static final Logger log = LoggerFactory.getLogger(Coroutines.class);
    /** One daemon thread for the whole JVM, started on the first unobserved failure. */
    private static final class Holder {
        static final Cleaner CLEANER = Cleaner.create(r -> new Thread(r, "weft-coroutine-failure-watch"));
    }

    private final Coroutines owner;
    /** Suspects not yet decided: swept at close. Any thread. */
    private final Set<Suspect> pending = ConcurrentHashMap.newKeySet();

    UnobservedFailures(Coroutines owner) {
        this.owner = owner;
    }

    /** Whether a failure of the body may be reported at all. */
    static boolean reportable(Throwable failure) {
        return !(failure instanceof CancellationException) && !(failure instanceof RuntimeClosedException);
    }

    /** A failure about to be published by {@code c}'s own thread; not yet watched. */
    Suspect suspect(Coroutine<?> c, Throwable failure) {
        return new Suspect(this, c, failure);
    }

    /** After the failure was published: watch it unless a listener has already taken it. */
    void watch(Coroutine<?> c, Suspect s) {
        if (c.hasListener() || s.observed) {
            return;
        }
        pending.add(s);
        s.cleanable = Holder.CLEANER.register(c, s);
        if (s.observed) { // awaited meanwhile
            s.cleanable.clean();
        }
    }

    /** At close: decides every failure still pending, looking once more for a late listener. */
    void sweep() {
        for (Suspect s : pending) {
            Coroutine<?> c = s.coroutine.get();
            if (c != null && c.hasListener()) {
                s.observed = true;
            }
            Cleaner.Cleanable cl = s.cleanable;
            if (cl != null) {
                cl.clean();
            }
        }
    }

    /** A published failure with no listener yet; decided once (Cleaner or close). No strong reference to the coroutine. */
    static final class Suspect implements Runnable {
        private final UnobservedFailures of;
        private final WeakReference<Coroutine<?>> coroutine;
        private final Throwable failure;
        private final int loop;
        private final long threadId;
        /** Set by whoever takes the outcome (Coroutines.await, the close sweep). */
        volatile boolean observed;
        volatile Cleaner.Cleanable cleanable;

        Suspect(UnobservedFailures of, Coroutine<?> c, Throwable failure) {
            this.of = of;
            this.coroutine = new WeakReference<>(c);
            this.failure = failure;
            this.loop = c.loop().index();
            this.threadId = c.thread == null ? -1 : c.thread.threadId();
        }

        /** The outcome was taken: nothing to report. */
        void observed() {
            observed = true;
            Cleaner.Cleanable cl = cleanable;
            if (cl != null) {
                cl.clean();
            }
        }

        /** Runs once: by the Cleaner when the coroutine became unreachable, or by clean(). */
        @Override
        public void run() {
            of.pending.remove(this);
            if (!observed) {
                of.owner.unobservedFailure(loop);
                log.warn("coroutine #{} on loop {} of {} failed and nothing took its outcome (no listener, no await):"
                        + " the failure would be lost. Await it, give it a listener before it can fail, or catch"
                        + " inside the body", threadId, loop, of.owner, failure);
            }
        }
    }
}
