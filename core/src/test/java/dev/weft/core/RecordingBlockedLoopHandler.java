package dev.weft.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A blocked-loop handler for tests: keeps every report and recovery, and waits for them (bounded). */
public final class RecordingBlockedLoopHandler implements BlockedLoopHandler {
    /** A recovery as the handler saw it. */
    public record Recovery(BlockedLoop report, Duration blockedFor) {
    }

    public final List<BlockedLoop> blocked = new CopyOnWriteArrayList<>();
    public final List<Recovery> recovered = new CopyOnWriteArrayList<>();
    private final String method;
    private final CountDownLatch reported = new CountDownLatch(1);
    private final CountDownLatch back = new CountDownLatch(1);

    /** @param method the blocking method whose episode the latches wait for */
    public RecordingBlockedLoopHandler(String method) {
        this.method = method;
    }

    @Override
    public void onBlocked(BlockedLoop report) {
        blocked.add(report);
        if (names(report, method)) {
            reported.countDown();
        }
    }

    @Override
    public void onRecovered(BlockedLoop report, Duration blockedFor) {
        recovered.add(new Recovery(report, blockedFor));
        if (names(report, method)) {
            back.countDown();
        }
    }

    /** Waits (20 s at most) for the report of the episode that names the method. */
    public void awaitReport() throws InterruptedException {
        if (!reported.await(20, TimeUnit.SECONDS)) {
            throw new AssertionError("no blocked-loop report naming " + method + " within 20 s; reports: " + blocked);
        }
    }

    /** Waits (20 s at most) for the end of the episode that names the method. */
    public void awaitRecovery() throws InterruptedException {
        if (!back.await(20, TimeUnit.SECONDS)) {
            throw new AssertionError("no recovery of the episode naming " + method + " within 20 s");
        }
    }

    /** The reports whose blocking stack names the method. */
    public List<BlockedLoop> naming() {
        return blocked.stream().filter(r -> names(r, method)).toList();
    }

    /** The recoveries of episodes whose blocking stack names the method. */
    public List<Recovery> recoveriesNaming() {
        return recovered.stream().filter(r -> names(r.report(), method)).toList();
    }

    public static boolean names(BlockedLoop report, String method) {
        return report.blockingStack().stream().anyMatch(f -> f.getMethodName().equals(method));
    }
}
