package dev.weft.callbacks;

import io.netty.buffer.ByteBuf;

/**
 * A TCP server's request handler in callback style: given a request, arrange for {@code reply} to
 * be called exactly once, now or later, from any thread, with the reply buffer or a failure. The
 * reply callback is a {@link Callback}, so it can be handed straight to another operation:
 * {@code (req, reply) -> cb.offload(() -> render(req), reply)}.
 *
 * <p>Runs on the connection's loop thread and must not block. The request belongs to Weft and is
 * released once the reply completed: do not release it, {@code retain()} it to keep it longer. The
 * reply buffer belongs to Weft once handed over. A failure (a thrown exception or a failed reply)
 * is logged and closes that connection after the replies before it, since the wire format has no
 * error frame; the client's pending requests fail with
 * {@link dev.weft.core.tcp.ConnectionClosedException}.
 */
@FunctionalInterface
public interface CallbackRequestHandler {

    void handle(ByteBuf request, Callback<ByteBuf> reply) throws Exception;
}
