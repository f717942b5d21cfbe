package dev.weft.core.internal;

import dev.weft.core.WeftContext;
import io.micrometer.context.ThreadLocalAccessor;

/**
 * Makes {@link WeftContext} one of the thread-locals Micrometer's {@code ContextRegistry} knows, so
 * that Reactor, Micrometer Tracing's executors and anything else that propagates through the registry
 * carries it too (loaded by {@code ContextRegistry.getInstance()} through {@code ServiceLoader}).
 * Not API: register nothing by hand, use the key to refer to it.
 */
public final class WeftContextAccessor implements ThreadLocalAccessor<WeftContext> {

    /** The accessor's key in the registry. */
    public static final String KEY = "weft.context";

    /** For {@code ServiceLoader}. */
    public WeftContextAccessor() {}

    @Override
    public Object key() {
        return KEY;
    }

    @Override
    public WeftContext getValue() {
        return Contexts.currentWeft(); // null when empty: nothing to capture
    }

    @Override
    public void setValue(WeftContext value) {
        Contexts.setWeft(value.isEmpty() ? null : value);
    }

    @Override
    public void setValue() {
        Contexts.setWeft(null);
    }
}
