package dev.weft.examples.pitfalls;

import dev.weft.examples.pitfalls.Pitfall.Size;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The pitfall gallery: each pitfall as a naive/fixed pair doing the same job, run side by side,
 * printing both medians, their ratio, whether they agreed, and the one-line reason.
 *
 * <pre>
 * ./weft example gallery                  # full size (well under a minute on 2 cores)
 * ./weft example gallery --size small     # seconds; what the test runs
 * ./weft example gallery --only buffer    # the pitfalls whose name contains "buffer"
 * </pre>
 *
 * A ratio is what this machine measured in this run, not a constant: read the order of magnitude.
 * Where the fixed side is not faster, the line says so.
 */
public final class Gallery {
    private Gallery() {}

    /** Makes one pitfall at a size. */
    @FunctionalInterface
    interface Maker {
        Pitfall make(Size size) throws Exception;
    }

    /** The gallery, in reading order: cooperative scheduling first, then the classic efficiency gaps. */
    static final List<Maker> PITFALLS = List.of(
            BusyYield::new, ThreadHop::new, BlockingCall::new, CpuHog::new, NoDeadline::new,
            ListLookup::new, NPlusOne::new, Materialise::new, StringConcat::new, Presize::new,
            BufferPerMessage::new, ReflectionHotPath::new);

    /** {@code [--size small|full] [--only NAME-PART]}: runs the gallery and prints its table. */
    public static void main(String[] args) throws Exception {
        Size size = Size.FULL;
        String only = "";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> size = Size.valueOf(args[++i].toUpperCase(Locale.ROOT));
                case "--only" -> only = args[++i];
                default -> {
                    System.err.println("usage: gallery [--size small|full] [--only NAME-PART]");
                    System.exit(2);
                }
            }
        }
        // The blocked-loop detector's own WARN (with full stacks) would fire on every naive run of
        // two pitfalls; the gallery shows its reports through a BlockedLoopHandler instead.
        if (System.getProperty("org.slf4j.simpleLogger.log.dev.weft.core.BlockedLoopDetector") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.dev.weft.core.BlockedLoopDetector", "error");
        }
        run(System.out, size, only);
    }

    /** Runs the gallery (or the pitfalls whose name contains {@code only}); returns the rows. */
    static List<Harness.Row> run(PrintStream out, Size size, String only) throws Exception {
        int warmups = size == Size.SMALL ? 1 : 2;
        int reps = size == Size.SMALL ? 2 : 5;
        out.printf("pitfall gallery, size %s: %d warm-up + %d timed runs per side, alternating; medians; %d cores%n",
                size.name().toLowerCase(Locale.ROOT), warmups, reps, Runtime.getRuntime().availableProcessors());
        out.println(Harness.header());
        long t0 = System.nanoTime();
        List<Harness.Row> rows = new ArrayList<>();
        for (Maker maker : PITFALLS) {
            try (Pitfall p = maker.make(size)) {
                if (!p.name().contains(only)) {
                    continue;
                }
                Harness.Row row = Harness.run(p, warmups, reps);
                Harness.print(out, row);
                rows.add(row);
            }
        }
        out.printf("%d pitfalls in %.1f s%n", rows.size(), (System.nanoTime() - t0) / 1e9);
        return rows;
    }
}
