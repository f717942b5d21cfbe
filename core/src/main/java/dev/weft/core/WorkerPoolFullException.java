package dev.weft.core;

/**
 * An offload was refused because every worker thread is busy and the worker queue is full. Weft
 * never queues blocking work without bound: raise {@link WeftRuntime.Builder#workers(int, int)} or
 * offload less at once.
 */
public final class WorkerPoolFullException extends WeftException {
    private static final long serialVersionUID = 1L;

    public WorkerPoolFullException(int threads, int queueCapacity) {
        super("worker pool full: " + threads + " threads busy and " + queueCapacity
                + " tasks queued (raise WeftRuntime.Builder.workers(threads, queueCapacity) or offload less at once)");
    }
}
