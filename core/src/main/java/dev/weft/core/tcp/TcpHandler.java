package dev.weft.core.tcp;

/**
 * Handles the requests of a {@link TcpServer}: the core form of a server handler. Each style's
 * facade turns its own kind of handler (a callback, a function returning a stage, blocking-style
 * coroutine code) into one of these.
 *
 * <p>{@link #handle} is called on the connection's loop thread, once per request, in arrival order.
 * It must see to it that {@link TcpExchange#onComplete} is called exactly once, from any thread, now
 * or later; it must not block (it runs on an event loop). An exception it throws counts as a failed
 * reply.
 */
public interface TcpHandler {

    /**
     * The object that will carry one request and its reply. A facade returns its own subclass so that
     * the exchange itself can serve as its completion handler (no adapter object per request).
     */
    default TcpExchange newExchange() {
        return new TcpExchange();
    }

    /** Handles one request; reply through {@code exchange}. */
    void handle(TcpExchange exchange) throws Exception;
}
