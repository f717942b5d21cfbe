/**
 * TCP clients and servers over length-prefixed frames, written once against {@link dev.weft.core.Op}
 * and adapted by each style's facade.
 *
 * <h2>Wire format</h2>
 * Each message is a frame: a 4-byte big-endian length, then that many bytes. On a connection every
 * frame the client writes is a request and the server answers each with exactly one reply frame,
 * in request order (pipelining: the client may write many requests before the first reply). There
 * are no one-way or error frames: a fire-and-forget {@linkplain TcpConnection#send send} still gets
 * a reply, which the client drops, and a server that cannot answer a request closes the connection.
 *
 * <h2>Threads</h2>
 * A connection belongs to one {@link dev.weft.core.Loop}: its socket, its frames, its handlers and
 * the listeners of its operations all run on that loop's thread. A server spreads the connections
 * it accepts over all the runtime's loops. Every public method may be called from any thread; a
 * call from another thread (including a virtual thread the loop carries) is handed to the loop.
 *
 * <h2>Buffers</h2>
 * Payloads are Netty {@link io.netty.buffer.ByteBuf}s, written and read without copies (inbound
 * frames are slices of what was read; a frame that spans reads is the one case that copies).
 * <ul>
 *   <li>A buffer handed to Weft (a request, a send, a reply) belongs to Weft from then on, even if
 *       the call throws or the operation fails: Weft writes it or releases it.</li>
 *   <li>A reply delivered to a client belongs to the receiver, which must release it.</li>
 *   <li>A request delivered to a server handler belongs to Weft, which releases it once the
 *       handler's reply has completed; {@code retain()} it to keep it longer.</li>
 * </ul>
 *
 * <h2>Bounds and failures</h2>
 * <ul>
 *   <li>{@link TcpOptions#maxFrameSize()}: checked before writing (the operation fails with
 *       {@link FrameTooLargeException}, nothing is written, the connection stays usable) and on every
 *       inbound length prefix (the connection is closed; pending requests fail with a
 *       {@link ConnectionClosedException} naming the size and the limit).</li>
 *   <li>{@link TcpOptions#maxPendingRequests()} and the write buffer watermarks: a client refuses one
 *       request too many, or a request to a peer that does not read, with
 *       {@link ConnectionBusyException}; a server stops reading such a connection (TCP flow control
 *       pushes back). Nothing is ever queued without bound.</li>
 *   <li>A connection that closes for any reason fails each request pending on it exactly once, with a
 *       {@link ConnectionClosedException} whose message says what happened (closed by the peer, reset,
 *       a corrupt frame, {@code close()}), or with {@link dev.weft.core.RuntimeClosedException} when
 *       {@link dev.weft.core.WeftRuntime#close()} closed it.</li>
 * </ul>
 */
package dev.weft.core.tcp;
