package dev.weft.futures;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;

/**
 * A TCP server's request handler in {@code CompletableFuture} style: given a request, return the
 * stage of its reply, for example {@code req -> fu.offload(() -> render(req))}. An already completed
 * stage is taken without registering a dependent.
 *
 * <p>Runs on the connection's loop thread and must not block; the stage may complete on any thread.
 * The request belongs to Weft and is released once the reply completed: do not release it,
 * {@code retain()} it to keep it longer. The reply buffer belongs to Weft once the stage completes
 * with it. A failure (a thrown exception, a failed or {@code null} stage) is logged and closes that
 * connection after the replies before it, since the wire format has no error frame; the client's
 * pending requests fail with {@link dev.weft.core.tcp.ConnectionClosedException}.
 */
@FunctionalInterface
public interface FutureRequestHandler {

    CompletionStage<ByteBuf> handle(ByteBuf request) throws Exception;
}
