package dev.weft.examples.pitfalls;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Reflection on a hot path: looking a method up by name and calling it with {@code Method.invoke}
 * for every item (as a naive generic mapper does) pays the lookup, a defensive copy, boxing and
 * access checks every time. Fixed: look it up once, into a {@code static final MethodHandle}, which
 * the JIT inlines like a plain call.
 */
final class ReflectionHotPath extends Pitfall {
    /** The item a handler reads a field of. */
    record Item(long amount) {}

    private static final MethodHandle AMOUNT;

    static {
        try {
            AMOUNT = MethodHandles.lookup().findVirtual(Item.class, "amount", MethodType.methodType(long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Item[] items;

    ReflectionHotPath(Size size) {
        super("reflection on a hot path", "getMethod + invoke per call looks up, copies, boxes and checks every time; a static final MethodHandle is inlined");
        items = new Item[pick(size, 10_000, 1_000_000)];
        for (int i = 0; i < items.length; i++) {
            items[i] = new Item(i % 100);
        }
    }

    @Override
    Object naive() throws Exception {
        long sum = 0;
        for (Item item : items) {
            sum += (Long) item.getClass().getMethod("amount").invoke(item);
        }
        return sum;
    }

    @Override
    Object fixed() {
        long sum = 0;
        try {
            for (Item item : items) {
                sum += (long) AMOUNT.invokeExact(item);
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return sum;
    }

    @Override
    String timeMeans() {
        return String.format("read one field of %,d items", items.length);
    }
}
