package dev.weft.bench;

import java.util.ArrayList;
import java.util.List;

/** The variants of the scenario, with their stable report names. */
enum Variant {
    CALLBACKS("callbacks", "each completion invokes the next step on the loop"),
    FUTURES("futures", "a CompletableFuture chain (thenCompose per step), dependents on the loop"),
    COROUTINES_LOOP("coroutines-loop", "virtual threads carried by the loop thread; park/unpark per step"),
    COROUTINES_DEFAULT("coroutines-default", "virtual threads on the JDK ForkJoinPool; park/unpark per step"),
    BUSY_YIELD("coroutines-busy-yield", "the article's naive cooperative version: start the op, Thread.yield()"
            + " until done, on the loop's carrier"),
    BUSY_YIELD_DEFAULT("coroutines-busy-yield-default", "the same naive code on the JDK default scheduler"),
    /** The JDK's suspend/resume with no Weft code, not a style: see FloorVt. The x-floor column of --io tick. */
    FLOOR_VT("floor-vt", "the JDK's floor (no Weft code): a virtual thread carried by a bare single-thread executor,"
            + " parked and unparked once per step (whatever --io says)", ScenarioOptions.Io.TICK),
    /** The yardstick of --io tcp, not a style: see NettyFloorWorkload. */
    FLOOR_NETTY("floor-netty", "plain Netty on the same loops and connections: fixed-size messages, one buffer per"
            + " flush, raw echo; the least work that moves the same bytes", ScenarioOptions.Io.TCP),

    // Peers (--peers): the same workload on the libraries users pick instead; see Peers.
    JDK_CF("jdk-cf", "peer, plain JDK: CompletableFuture.thenCompose chain on a single-thread executor as the loop", true),
    JDK_VT("jdk-vt", "peer, plain JDK: a virtual thread per task (default scheduler) blocking on CompletableFuture.join", true),
    VERTX_COMPOSE("vertx-compose", "peer, Vert.x: Future.compose chain on one event-loop verticle", true),
    VERTX_VT("vertx-vt-await", "peer, Vert.x: a virtual-thread verticle, Future.await() per step", true),
    REACTOR_MONO("reactor-mono", "peer, Reactor: Mono.flatMap chain on the Weft loop, each step a Weft op via Mono.create", true);

    /** What runs without --variants: Weft's own variants (peers come with --peers). */
    static final List<Variant> DEFAULTS = weft();
    /** The peers, in report order. */
    static final List<Variant> PEERS = peers();

    final String label;
    final String description;
    /** A peer library's variant, not Weft's. */
    final boolean peer;
    /** For a floor: the --io whose "x floor" column it defines; null for a style or a peer. */
    final ScenarioOptions.Io floorOf;

    Variant(String label, String description) {
        this(label, description, false, null);
    }

    Variant(String label, String description, boolean peer) {
        this(label, description, peer, null);
    }

    Variant(String label, String description, ScenarioOptions.Io floorOf) {
        this(label, description, false, floorOf);
    }

    Variant(String label, String description, boolean peer, ScenarioOptions.Io floorOf) {
        this.label = label;
        this.description = description;
        this.peer = peer;
        this.floorOf = floorOf;
    }

    /** One of Weft's coroutine variants. */
    boolean isCoroutine() {
        return !peer && this != CALLBACKS && this != FUTURES && !isFloor();
    }

    private static List<Variant> weft() {
        List<Variant> out = new ArrayList<>();
        for (Variant v : values()) {
            if (!v.peer) {
                out.add(v);
            }
        }
        return List.copyOf(out);
    }

    private static List<Variant> peers() {
        List<Variant> out = new ArrayList<>();
        for (Variant v : values()) {
            if (v.peer) {
                out.add(v);
            }
        }
        return List.copyOf(out);
    }

    /** A yardstick with no Weft code on its path, not a style: no Weft operations, no Weft counters. */
    boolean isFloor() {
        return floorOf != null;
    }

    /**
     * Whether it runs at {@code io}: a style or a peer at every --io; floor-netty only at tcp;
     * floor-vt at tick and at tcp (there it prices what a coroutine adds per request over callbacks).
     */
    boolean runsAt(ScenarioOptions.Io io) {
        return floorOf == null || floorOf == io || (this == FLOOR_VT && io == ScenarioOptions.Io.TCP);
    }

    boolean loopAffine() {
        return this == COROUTINES_LOOP || this == BUSY_YIELD;
    }

    static Variant byName(String name) {
        for (Variant v : values()) {
            if (v.label.equals(name)) {
                return v;
            }
        }
        return null;
    }

    static List<String> names() {
        List<String> out = new ArrayList<>();
        for (Variant v : values()) {
            out.add(v.label);
        }
        return out;
    }
}
