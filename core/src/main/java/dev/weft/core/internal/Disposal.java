package dev.weft.core.internal;

import dev.weft.core.RuntimeClosedException;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpServer;
import io.netty.util.ReferenceCounted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one rule for a value that nobody will receive: an operation completed after it was cancelled,
 * a combinator's loser, a reply that reached a cancelled future. Such a value is disposed of here, once:
 * <ul>
 *   <li>a reference-counted value (a reply {@code ByteBuf}) is released;</li>
 *   <li>a {@link TcpConnection} or {@link TcpServer} (the loser of {@code race(connect(a), connect(b))},
 *       a connect that completed after its timeout) is closed;</li>
 *   <li>anything else is left to the garbage collector.</li>
 * </ul>
 * {@link dev.weft.core.Op#complete} calls it for a value that lost the race to complete; facades call
 * it where their own idiom drops a value (a cancelled {@code CompletableFuture}). Never throws: a
 * failing disposal is logged. Safe from any thread. Not API.
 */
public final class Disposal {
    private static final Logger log = LoggerFactory.getLogger(Disposal.class);

    private Disposal() {}

    /** Disposes of {@code value}, which nobody will receive (null is fine). */
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
            }
        } catch (RuntimeClosedException closedAlready) {
            // the runtime closed its connections and servers itself
        } catch (Throwable t) {
            log.warn("disposing of {}, which nobody would receive, failed", value, t);
        }
    }
}
