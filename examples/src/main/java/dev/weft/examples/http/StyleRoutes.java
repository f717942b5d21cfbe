package dev.weft.examples.http;

import dev.weft.callbacks.Callbacks;
import dev.weft.core.Loop;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The routes of one loop: the same work ({@link Work}: compute a digest, then ask the downstream TCP
 * service about it) written once per style. Every HTTP connection lives on one Weft loop, and its
 * handlers use that loop's facades and that loop's downstream connection, so a request never changes
 * thread: the HTTP read, the computation, the downstream request and reply, and the HTTP write all run
 * on the same loop thread (a loop-carried coroutine included).
 *
 * <p>Each method is called on the loop thread, once per request, and ends with exactly one
 * {@link Reply} call, whatever fails.
 */
final class StyleRoutes {
    private final Loop loop;
    private final Callbacks cb;
    private final Futures fu;
    private final Coroutines co;
    /** This loop's connection to the downstream service (pipelined: every request of this loop shares it). */
    private final TcpConnection downstream;
    private final PrometheusMeterRegistry registry;

    StyleRoutes(Loop loop, Coroutines co, TcpConnection downstream, PrometheusMeterRegistry registry) {
        this.loop = loop;
        this.cb = Callbacks.of(loop.runtime()).on(loop);
        this.fu = Futures.of(loop.runtime()).on(loop);
        this.co = co;
        this.downstream = downstream;
        this.registry = registry;
    }

    Loop loop() {
        return loop;
    }

    /** {@code /cb/work}: each step's callback starts the next; every callback checks its failure first. */
    void callbacks(int n, Reply reply) {
        cb.submit(() -> Work.digest(n), (digest, err) -> {
            if (err != null) {
                reply.fail(err);
                return;
            }
            cb.request(downstream, ask(digest), (answer, err2) -> {
                if (err2 != null) {
                    reply.fail(err2);
                    return;
                }
                reply.ok(Work.body("cb", n, digest, readAndRelease(answer)));
            });
        });
    }

    /** {@code /cf/work}: a chain of stages; one place at the end sees either the body or the first failure. */
    void futures(int n, Reply reply) {
        fu.submit(() -> Work.digest(n))
                .thenCompose(digest -> fu.request(downstream, ask(digest))
                        .thenApply(answer -> Work.body("cf", n, digest, readAndRelease(answer))))
                .whenComplete((body, err) -> {
                    if (err != null) {
                        reply.fail(err);
                    } else {
                        reply.ok(body);
                    }
                });
    }

    /**
     * {@code /co/work}: straight-line code in a coroutine launched on this loop; each suspending call
     * parks it and the loop serves other connections meanwhile. The coroutine catches its own failure
     * (an HTTP client must get an answer), so nothing is left for anyone to observe.
     */
    void coroutines(int n, Reply reply) {
        co.launch(loop, () -> {
            try {
                long digest = co.submit(() -> Work.digest(n));
                long answer = readAndRelease(co.request(downstream, ask(digest)));
                reply.ok(Work.body("co", n, digest, answer));
            } catch (Exception e) {
                reply.fail(e);
            }
            return null;
        });
    }

    /**
     * {@code /floor/work}: the digest computed in the Netty handler itself, no Weft operation and no
     * downstream call: what the HTTP layer alone costs, the floor under the three routes above.
     */
    void floor(int n, Reply reply) {
        reply.ok(Work.body("floor", n, Work.digest(n), 0));
    }

    /**
     * {@code /metrics}: the registry in Prometheus text format. Rendering it is the one piece of work
     * here that grows with the number of meters, so it runs on Weft's worker pool, not on the loop.
     */
    void metrics(Reply reply) {
        cb.offload(registry::scrape, (text, err) -> {
            if (err != null) {
                reply.fail(err);
            } else {
                reply.send(HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8", text);
            }
        });
    }

    /** The downstream request for {@code digest}: 8 bytes, in a buffer of the connection's pooled allocator. */
    private ByteBuf ask(long digest) {
        return downstream.alloc().buffer(8).writeLong(digest);
    }

    /** A reply is ours to release. */
    private static long readAndRelease(ByteBuf answer) {
        try {
            return answer.readLong();
        } finally {
            answer.release();
        }
    }
}
