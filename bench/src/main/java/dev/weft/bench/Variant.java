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
    /** The yardstick of --io tcp, not a style: see NettyFloorWorkload. */
    FLOOR_NETTY("floor-netty", "plain Netty on the same loops and connections: fixed-size messages, one buffer per"
            + " flush, raw echo; the least work that moves the same bytes", ScenarioOptions.Io.TCP);

    static final List<Variant> DEFAULTS = List.of(values());

    final String label;
    final String description;
    /** For a floor: the one --io it measures (it is left out of the others); null for a style. */
    final ScenarioOptions.Io floorOf;

    Variant(String label, String description) {
        this(label, description, null);
    }

    Variant(String label, String description, ScenarioOptions.Io floorOf) {
        this.label = label;
        this.description = description;
        this.floorOf = floorOf;
    }

    boolean isCoroutine() {
        return this != CALLBACKS && this != FUTURES && !isFloor();
    }

    /** A yardstick with no Weft code on its path, not a style. */
    boolean isFloor() {
        return floorOf != null;
    }

    /** Whether it runs at {@code io}: a style at every --io, a floor only at its own. */
    boolean runsAt(ScenarioOptions.Io io) {
        return floorOf == null || floorOf == io;
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
