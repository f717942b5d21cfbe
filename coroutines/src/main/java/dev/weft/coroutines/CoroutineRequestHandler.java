package dev.weft.coroutines;

import io.netty.buffer.ByteBuf;

/**
 * A TCP server's request handler in coroutine style: plain blocking-style code that returns the
 * reply. Each request runs in its own coroutine on the connection's loop, so it may call suspending
 * operations ({@code co.delay}, {@code co.offload}, {@code co.request} to another server, ...);
 * requests of one connection run concurrently and their replies still leave in request order.
 *
 * <p>The request belongs to Weft and is released once the handler returned or threw: do not release
 * it, {@code retain()} it to keep it longer. The returned buffer belongs to Weft. A failure (a thrown
 * exception, a {@code null} reply) is logged and closes that connection after the replies before
 * it, since the wire format has no error frame; the client's pending requests fail with
 * {@link dev.weft.core.tcp.ConnectionClosedException}. Blocking without suspending blocks the
 * loop under the loop-affine scheduler: offload blocking work.
 */
@FunctionalInterface
public interface CoroutineRequestHandler {

    ByteBuf handle(ByteBuf request) throws Exception;
}
