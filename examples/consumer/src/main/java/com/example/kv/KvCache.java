package com.example.kv;

import dev.weft.core.Ops;
import dev.weft.core.Shared;
import dev.weft.core.tcp.TcpServer;
import dev.weft.coroutines.Coroutines;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A read-through cache served over Weft's framed TCP: a request is a key (UTF-8), the reply its value.
 * Handlers are coroutines; a miss loads the value from a slow backend on the worker pool, once per key
 * however many requests wait for it (single flight, with {@link Shared}).
 */
public final class KvCache {
    private final Coroutines co;
    private final Function<String, String> backend;
    private final Map<String, Shared<String>> entries = new ConcurrentHashMap<>();
    private final AtomicInteger loads = new AtomicInteger();

    public KvCache(Coroutines co, Function<String, String> backend) {
        this.co = co;
        this.backend = backend;
    }

    /** Starts serving on loopback; suspends (or blocks) until listening. */
    public TcpServer serve() {
        return co.serve(this::handle);
    }

    private ByteBuf handle(ByteBuf request) {
        String key = request.toString(StandardCharsets.UTF_8);
        Shared<String> entry = entries.computeIfAbsent(key, k -> Ops.share(co.runtime().loop().offload(() -> {
            loads.incrementAndGet();
            return backend.apply(k);
        }, null)));
        String value = co.await(entry.view());
        return request.alloc().buffer().writeBytes(value.getBytes(StandardCharsets.UTF_8));
    }

    /** How many times the backend was asked. */
    public int loads() {
        return loads.get();
    }
}
