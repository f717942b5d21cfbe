package dev.weft.core.internal;

import dev.weft.core.RuntimeClosedException;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpServer;
import io.netty.util.ReferenceCounted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules for a value that nobody will receive: an operation completed after it was cancelled, a
 * combinator's loser, a reply that reached a cancelled future. Two degrees, by who owns the value:
 * <ul>
 *   <li>{@link #release}: a reference-counted value (a reply or a task's {@code ByteBuf}) belongs to
 *       whoever receives it, so with no receiver it is released. Anything else is left alone: a
 *       connection a user's task returned may well be in use elsewhere.</li>
 *   <li>{@link #dispose}: also closes a {@link TcpConnection} or {@link TcpServer}. For values that
 *       Weft itself made for this one receiver (a connect's or a bind's result) and for the children of
 *       a combinator, which owns them: the loser of {@code race(connect(a), connect(b))}, a connect that
 *       completed after its timeout.</li>
 * </ul>
 * {@link dev.weft.core.Op#complete} applies one of them to a value that lost the race to complete
 * (see {@code Op.disposeUnreceived}); facades apply them where their own idiom drops a value (a
 * cancelled {@code CompletableFuture}). Never throws: a failing disposal is logged. Safe from any
 * thread. Not API.
 */
public final class Disposal {
    private static final Logger log = LoggerFactory.getLogger(Disposal.class);

    private Disposal() {}

    /** Releases {@code value} if it is reference-counted (and not released already); null is fine. */
    public static void release(Object value) {
        if (value instanceof ReferenceCounted rc) {
            try {
                if (rc.refCnt() > 0) {
                    rc.release();
                }
            } catch (Throwable t) {
                log.warn("releasing {}, which nobody would receive, failed", value, t);
            }
        }
    }

    /** Disposes of {@code value}, which nobody will receive: released, or closed if a connection or server. */
    public static void dispose(Object value) {
        if (value == null) {
            return;
        }
        try {
            if (value instanceof ReferenceCounted rc) {
                if (rc.refCnt() > 0) {
                    rc.release();
                }
            } else if (value instanceof TcpConnection c) {
                c.close(null);
            } else if (value instanceof TcpServer s) {
                s.close(null);
            } else if (value instanceof java.util.List<?> all) { // an all()'s values
                for (Object v : all) {
                    dispose(v);
                }
            }
        } catch (RuntimeClosedException closedAlready) {
            // the runtime closed its connections and servers itself
        } catch (Throwable t) {
            log.warn("disposing of {}, which nobody would receive, failed", value, t);
        }
    }
}
