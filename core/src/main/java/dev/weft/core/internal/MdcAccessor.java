package dev.weft.core.internal;

import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.Set;
import org.slf4j.MDC;
import org.slf4j.spi.MDCAdapter;

/**
 * The whole SLF4J MDC as one thread-local of Micrometer's {@code ContextRegistry}, under the key of
 * context-propagation's own {@link Slf4jThreadLocalAccessor} (so either one replaces the other).
 * Unlike that one, it reports an empty MDC as "no value" without copying it: the SLF4J adapters of
 * Logback and slf4j-api ({@code BasicMDCAdapter}) expose {@code getKeys()}, a view read with one
 * thread-local lookup, so a capture on a thread with an empty MDC allocates nothing. Adapters without
 * it (slf4j-simple's NOP adapter, say) are asked for a copy, which is {@code null} when there is none.
 * Not API.
 */
public final class MdcAccessor implements ThreadLocalAccessor<Map<String, String>> {

    /** The key, shared with context-propagation's {@link Slf4jThreadLocalAccessor}. */
    public static final String KEY = Slf4jThreadLocalAccessor.KEY;

    private static final MDCAdapter ADAPTER = MDC.getMDCAdapter();
    /** {@code (MDCAdapter)Set}: the adapter's {@code getKeys()}, or null if it has none. */
    private static final MethodHandle KEYS = keysProbe(ADAPTER);

    @Override
    public Object key() {
        return KEY;
    }

    @Override
    public Map<String, String> getValue() {
        MDCAdapter a = ADAPTER;
        if (a == null) {
            return null;
        }
        if (KEYS != null) {
            Set<?> keys;
            try {
                keys = (Set<?>) KEYS.invokeExact(a);
            } catch (Throwable t) {
                keys = null;
            }
            if (keys == null || keys.isEmpty()) {
                return null;
            }
        }
        Map<String, String> copy = a.getCopyOfContextMap();
        return copy == null || copy.isEmpty() ? null : copy;
    }

    @Override
    public void setValue(Map<String, String> value) {
        MDC.setContextMap(value);
    }

    @Override
    public void setValue() {
        MDC.clear();
    }

    private static MethodHandle keysProbe(MDCAdapter adapter) {
        if (adapter == null) {
            return null;
        }
        try {
            MethodHandle h = MethodHandles.publicLookup().findVirtual(adapter.getClass(), "getKeys",
                    MethodType.methodType(Set.class));
            return h.asType(MethodType.methodType(Set.class, MDCAdapter.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
