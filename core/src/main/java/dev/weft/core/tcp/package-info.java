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
 * Payloads are Netty {@link io.netty.buffer.ByteBuf}s, read without copies (inbound frames are
 * slices of what was read; a frame that spans reads is the one case that copies). Frames of up to
 * 1 KiB written in one turn of the loop are copied into one buffer per connection and leave as one
 * write (bounded by 16 KiB and by the room below the write buffer's high water mark); larger frames
 * and sends are written as they are.
 * <ul>
 *   <li>A buffer handed to Weft (a request, a send, a reply) belongs to Weft from then on, even if
 *       the call throws or the operation fails: Weft writes it or releases it.</li>
 *   <li>A reply delivered to a client belongs to the receiver, which must release it.</li>
 *   <li>A request delivered to a server handler belongs to Weft, which releases it once the
 *       handler's reply has completed; {@code retain()} it to keep it longer.</li>
 *   <li>A server handler allocates its reply from the request's allocator, {@code request.alloc()}
 *       (the connection's: Netty's pooled direct buffers, the cheapest to write), or replies with the
 *       request itself, {@code request.retain()} (an echo, no copy). A client allocates requests with
 *       {@link TcpConnection#alloc()}, or {@link TcpConnection#frameBuffer(int)}, whose reserved room
 *       for the length prefix lets the frame leave as one buffer.</li>
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
 *   <li>A length prefix over {@code maxFrameSize} or negative ends the input of that connection; a
 *       server first answers the requests before it (their replies go out in order, as after a failed
 *       handler), then closes. A client closes at once.</li>
 *   <li>A server handler whose connection closes before it replied is cancelled: its coroutine or its
 *       stage is cancelled ({@link TcpExchange#onCancel()}); a callback handler, which hands Weft no
 *       handle, runs on. Its reply, whenever it comes, is released.</li>
 *   <li>A handler that ends with {@link dev.weft.core.RuntimeClosedException} (the runtime is
 *       closing) is expected at shutdown: counted and logged once per server at DEBUG, not as a
 *       failure.</li>
 *   <li>A connection that closes for any reason fails each request pending on it exactly once, with a
 *       {@link ConnectionClosedException} whose message says what happened (closed by the peer, reset,
 *       a corrupt frame, {@code close()}), or with {@link dev.weft.core.RuntimeClosedException} when
 *       {@link dev.weft.core.WeftRuntime#close()} closed it.</li>
 * </ul>
 *
 * <h2>Server defences</h2>
 * What one peer can make a server hold, and what it costs the others:
 * <ul>
 *   <li><b>Requests in flight.</b> Per connection at most {@link TcpOptions#maxPendingRequests()}
 *       (default 1024) requests are being handled or wait for earlier replies; beyond that the
 *       connection is not read. Unread pipelined requests wait in the peer's socket, not in Weft.</li>
 *   <li><b>The shared worker pool.</b> While the runtime's worker pool has a backlog (every worker
 *       busy, offloads queued), a connection with {@link TcpOptions#maxPendingRequestsWhenWorkersBusy()}
 *       (default 16) requests in flight is not read until one of them completes with the backlog
 *       gone. One client's pipelined offloads therefore take at most that many places in the worker
 *       queue (plus as many again while handlers that start their work later, coroutines, get to it),
 *       and when the pool must refuse, it refuses the connections that hold it, not a connection that
 *       asks for one offload. This holds while the worker queue has room for that bound times the
 *       connections that offload at once: size it with {@code WeftRuntime.Builder.workers}. For
 *       DEFAULT-scheduler coroutines, which offload from a carrier after the connection has looked
 *       at the pool, the bound is looser.</li>
 *   <li><b>Incomplete frames.</b> A frame must arrive whole within {@link TcpOptions#frameTimeout()}
 *       (default 30 s) of its first byte, at both ends, or the connection is closed with
 *       {@link FrameTimeoutException}; idle connections between frames are not affected. Across all
 *       the connections of a server, the buffers held for incomplete frames may take at most
 *       {@link TcpOptions#maxPartialFrameBytes()} (default 64 MiB): a connection whose incomplete frame
 *       would go over is closed (WARN for the first, then counted:
 *       {@link TcpServer#closedOverPartialFrameBudget()}). So 300 connections that each announce a
 *       1 MiB frame and send all but one byte of it hold at most 64 MiB (a buffer for a frame that
 *       spans reads grows to the next power of two, 2 MiB here, so about 32 of them), each for at most
 *       30 s, instead of 600 MiB for as long as they like. Bytes that wait because the server itself
 *       stopped reading (backpressure) are not counted: they are at most one read per connection; nor
 *       is a buffer under 64 KiB (the tail of a pipelined burst cut by a read, what any connection's
 *       read costs: charging it would put a server-wide atomic on every read). Such small leftovers
 *       are still bounded in time by the frame timeout.</li>
 *   <li><b>Bad bytes</b> end that connection only (see above); a slow reader of replies stops its own
 *       connection from being read (write watermarks).</li>
 * </ul>
 */
package dev.weft.core.tcp;
