package dev.weft.core.tcp;

import dev.weft.core.CloseParticipant;
import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * The TCP meters of one runtime (only when it was built with a {@code MeterRegistry}).
 *
 * <pre>
 * Overview (maintainers)
 *
 * Cost: a connection looks its counters up once, when it is made ({@link #client}, {@link #server}:
 * null without a registry), and keeps them in a final field; every event then costs a null check
 * when there is no registry, and a plain field increment on the connection's own loop when there
 * is one. The meters are FunctionCounters and Gauges that sum the per-loop fields when read (racy
 * reads of loop-confined longs, like the loop's own counters). Request latency costs one nanoTime()
 * when a request starts, one when its reply comes, and one Timer.record(), only with a registry.
 *
 * Lifetime: made on first use per runtime (the first connection or server), registered then, and
 * removed from the registry as a close participant of the runtime (after its pending operations,
 * connections included, were failed, so the closes that the runtime's close causes are counted).
 * </pre>
 */
final class TcpMeters implements CloseParticipant {
    private static final Map<WeftRuntime, TcpMeters> BY_RUNTIME = new ConcurrentHashMap<>();

    private final WeftRuntime runtime;
    private final MeterRegistry registry;
    /** Indexed by loop index. */
    private final Counters[] client;
    private final Counters[] server;
    private final List<Meter> meters = new ArrayList<>();

    /**
     * The counters of one side (client or server) of the connections on one loop. Written only on
     * that loop; read by the meters from any thread.
     */
    static final class Counters {
        /** Shared by the loops of one side (a Timer is thread-safe). */
        final Timer latency;
        long opened;
        final long[] closed = new long[CloseReason.ALL.length];
        long bytesReceived;
        long bytesSent;
        long requests;
        long replies;
        long refusedOversize;
        long refusedBusy;

        Counters(Timer latency) {
            this.latency = latency;
        }

        long closedTotal() {
            long n = 0;
            for (long c : closed) {
                n += c;
            }
            return n;
        }
    }

    private TcpMeters(WeftRuntime runtime, MeterRegistry registry) {
        this.runtime = runtime;
        this.registry = registry;
        int loops = runtime.loops().size();
        this.client = side(loops, "client");
        this.server = side(loops, "server");
    }

    /** The client counters of connections on {@code loop}, or {@code null} when its runtime has no registry. */
    static Counters client(Loop loop) {
        TcpMeters m = of(loop.runtime());
        return m == null ? null : m.client[loop.index()];
    }

    /** The server counters of connections on {@code loop} ({@code meters} from {@link #of}), or {@code null}. */
    static Counters server(TcpMeters meters, Loop loop) {
        return meters == null ? null : meters.server[loop.index()];
    }

    /** The runtime's TCP meters, made and registered on first use; {@code null} when it has no registry or is closed. */
    static TcpMeters of(WeftRuntime runtime) {
        MeterRegistry registry = runtime.meterRegistry().orElse(null);
        if (registry == null) {
            return null;
        }
        TcpMeters m = BY_RUNTIME.get(runtime);
        if (m != null) {
            return m;
        }
        synchronized (BY_RUNTIME) {
            m = BY_RUNTIME.get(runtime);
            if (m == null && !runtime.isClosed()) {
                m = new TcpMeters(runtime, registry);
                m.register();
                BY_RUNTIME.put(runtime, m);
                runtime.addCloseParticipant(m);
                if (runtime.isClosed()) {
                    m.unregister(); // close began meanwhile and may have missed the participant
                }
            }
            return m;
        }
    }

    private Counters[] side(int loops, String side) {
        Timer latency = Timer.builder("weft.tcp.request.latency")
                .description(side.equals("client") ? "from a request's write to its reply"
                        : "from a request's arrival to its reply's write")
                .tags(tags(side))
                .publishPercentiles(0.5, 0.9, 0.99)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        meters.add(latency);
        Counters[] perLoop = new Counters[loops];
        for (int i = 0; i < loops; i++) {
            perLoop[i] = new Counters(latency);
        }
        return perLoop;
    }

    private Tags tags(String side) {
        return Tags.of("runtime", runtime.name(), "side", side);
    }

    private void register() {
        register("client", client);
        register("server", server);
    }

    private void register(String side, Counters[] perLoop) {
        Tags tags = tags(side);
        meters.add(Gauge.builder("weft.tcp.connections", perLoop, c -> sum(c, x -> x.opened) - sum(c, Counters::closedTotal))
                .description("connections open").tags(tags).register(registry));
        counter("weft.tcp.connections.opened", "connections opened", null, tags, perLoop, x -> x.opened);
        for (CloseReason r : CloseReason.ALL) {
            int i = r.ordinal();
            counter("weft.tcp.connections.closed", "connections closed, by reason", null,
                    tags.and("reason", r.tag), perLoop, x -> x.closed[i]);
        }
        counter("weft.tcp.bytes.received", "bytes read from the sockets", "bytes", tags, perLoop, x -> x.bytesReceived);
        counter("weft.tcp.bytes.sent", "bytes of frames written, length prefixes included", "bytes", tags, perLoop,
                x -> x.bytesSent);
        counter("weft.tcp.requests", side.equals("client") ? "requests and sends written" : "requests received",
                null, tags, perLoop, x -> x.requests);
        counter("weft.tcp.replies", side.equals("client") ? "replies received" : "replies written", null, tags,
                perLoop, x -> x.replies);
        counter("weft.tcp.frames.refused", "frames refused: over maxFrameSize (oversize) or at a connection's bound (busy)",
                null, tags.and("reason", "oversize"), perLoop, x -> x.refusedOversize);
        counter("weft.tcp.frames.refused", "frames refused: over maxFrameSize (oversize) or at a connection's bound (busy)",
                null, tags.and("reason", "busy"), perLoop, x -> x.refusedBusy);
    }

    /** A counter summing {@code f} over the loops; {@code unit}: a base unit, or {@code null} for a plain count. */
    private void counter(String name, String description, String unit, Tags tags, Counters[] perLoop,
            ToLongFunction<Counters> f) {
        meters.add(FunctionCounter.builder(name, perLoop, c -> sum(c, f))
                .description(description).baseUnit(unit).tags(tags).register(registry));
    }

    private static double sum(Counters[] perLoop, ToLongFunction<Counters> f) {
        long n = 0;
        for (Counters c : perLoop) {
            n += f.applyAsLong(c);
        }
        return n;
    }

    private void unregister() {
        synchronized (BY_RUNTIME) {
            BY_RUNTIME.remove(runtime, this);
            for (Meter m : meters) {
                registry.remove(m);
            }
        }
    }

    /** The runtime closes: its connections were closed (and counted) already; remove the meters. */
    @Override
    public boolean awaitQuiescence(Duration timeout) {
        unregister();
        return true;
    }

    @Override
    public String toString() {
        return "TcpMeters[" + runtime.name() + "]";
    }
}
