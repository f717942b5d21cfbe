package dev.weft.conformance;

import dev.weft.core.WeftContext;
import java.util.concurrent.Callable;
import org.slf4j.MDC;

/**
 * The context a piece of code saw, for the context-propagation tests: the value under {@link #KEY} in
 * the current {@link WeftContext} and the value under {@link #MDC_KEY} in SLF4J's MDC.
 */
public record Seen(String weft, String mdc) {
    public static final WeftContext.Key<String> KEY = WeftContext.key("conformance.request");
    public static final String MDC_KEY = "conformance.request";
    /** What code outside any call's context sees. */
    public static final Seen NOTHING = new Seen(null, null);

    /** What the calling thread sees now. */
    public static Seen now() {
        return new Seen(WeftContext.current().get(KEY), MDC.get(MDC_KEY));
    }

    /** What code sees inside {@link #within within(value, ...)}. */
    public static Seen of(String value) {
        return new Seen("weft-" + value, "mdc-" + value);
    }

    /**
     * Runs {@code action} with {@code "weft-" + value} in the WeftContext and {@code "mdc-" + value} in
     * the MDC, as a caller sets them; both are gone from the calling thread afterwards.
     */
    public static <T> T within(String value, Callable<T> action) {
        String before = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, "mdc-" + value);
        try {
            return WeftContext.current().with(KEY, "weft-" + value).call(action);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            if (before == null) {
                MDC.remove(MDC_KEY);
            } else {
                MDC.put(MDC_KEY, before);
            }
        }
    }
}
