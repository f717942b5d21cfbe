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
    FLOOR_VT("floor-vt", "the JDK's floor (no Weft code): a virtual thread carried by a bare single-thread executor,"
            + " parked and unparked once per step (whatever --io says)");

    static final List<Variant> DEFAULTS = List.of(values());

    final String label;
    final String description;

    Variant(String label, String description) {
        this.label = label;
        this.description = description;
    }

    boolean isCoroutine() {
        return this != CALLBACKS && this != FUTURES && !isFloor();
    }

    /** A yardstick without Weft code (its name starts with "floor-"): no Weft operations, no Weft counters. */
    boolean isFloor() {
        return label.startsWith("floor-");
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
