package dev.weft.conformance;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.simple.SimpleServiceProvider;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * slf4j-simple's logging with a working MDC, for the tests (selected with the system property
 * {@code slf4j.provider}, which the poms of the modules running the conformance suite set).
 *
 * <p>Why: slf4j-simple 2.0's own provider has a {@code NOPMDCAdapter} (an {@code MDC.put} is dropped), so
 * MDC propagation could not be tested with it; and switching the tests to Logback would replace
 * slf4j-simple's output on {@code System.err}, which several tests read. slf4j-api's own
 * {@link BasicMDCAdapter} is a real adapter (an inheritable thread-local map, as Logback's is a
 * thread-local one), so the propagation code meets the same calls it meets in production.
 */
public final class MdcSlf4jProvider implements SLF4JServiceProvider {
    private final SimpleServiceProvider simple = new SimpleServiceProvider();
    private final MDCAdapter mdc = new BasicMDCAdapter();

    @Override
    public ILoggerFactory getLoggerFactory() {
        return simple.getLoggerFactory();
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return simple.getMarkerFactory();
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return simple.getRequestedApiVersion();
    }

    @Override
    public void initialize() {
        simple.initialize();
    }
}
