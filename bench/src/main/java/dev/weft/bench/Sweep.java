package dev.weft.bench;

import dev.weft.bench.ScenarioRunner.Result;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The scaling sweep: wall time versus N (at K), versus K (at N), and the ratio to callbacks versus
 * per-step CPU work, for every variant, so each style's growth law is seen rather than asserted.
 * A variant that does not finish at one size is not run at the larger ones of that axis.
 */
final class Sweep {
    static final int[] NS = {1_000, 3_000, 10_000, 30_000};
    static final int[] KS = {1, 10, 100};
    static final long[] WORK_NS = {0, 100, 300, 1_000, 3_000, 10_000};
    /** Tasks for the work axis: the work, not the number of waiters, is what that axis varies. */
    static final int WORK_N = 1_000;

    private final ScenarioOptions base;
    private final PrintStream progress;
    private final Map<String, Map<Variant, Point[]>> axes = new LinkedHashMap<>();

    record Point(double x, Result result, double ratio) {}

    Sweep(ScenarioOptions base, PrintStream progress) {
        this.base = base;
        this.progress = progress;
    }

    void run() {
        axes.put("n", axis(NS.length, i -> with(NS[i], base.k, 0), i -> NS[i]));
        axes.put("k", axis(KS.length, i -> with(base.n, KS[i], 0), i -> KS[i]));
        axes.put("work_ns", axis(WORK_NS.length, i -> with(WORK_N, base.k, WORK_NS[i]), i -> WORK_NS[i]));
    }

    private ScenarioOptions with(int n, int k, long workNs) {
        ScenarioOptions o = new ScenarioOptions();
        o.n = n;
        o.k = k;
        o.workNs = workNs;
        o.io = base.io;
        o.loops = base.loops;
        o.reps = Math.min(base.reps, 5);
        o.warmup = Math.min(base.warmup, 2);
        o.warmupMs = Math.min(base.warmupMs, 300);
        o.deadlineMs = Math.min(base.deadlineMs, 10_000);
        o.variants = base.variants;
        o.inProcess = base.inProcess;
        o.cpus = base.cpus;
        o.quiet = base.quiet;
        o.connections = base.connections;
        return o;
    }

    private Map<Variant, Point[]> axis(int points, java.util.function.IntFunction<ScenarioOptions> opts,
            java.util.function.IntToDoubleFunction x) {
        Map<Variant, Point[]> out = new LinkedHashMap<>();
        for (Variant v : base.variants) {
            out.put(v, new Point[points]);
        }
        for (int i = 0; i < points; i++) {
            ScenarioOptions o = opts.apply(i);
            if (progress != null) {
                progress.printf("sweep: N=%d K=%d work=%d ns%n", o.n, o.k, o.workNs);
            }
            ScenarioRunner runner = new ScenarioRunner(o, progress);
            long expected = Steps.expectedChecksum(o.n, o.k);
            Result cb = null;
            List<Result> row = new ArrayList<>();
            for (Variant v : base.variants) {
                Point[] prev = out.get(v);
                if (i > 0 && (prev[i - 1] == null || !prev[i - 1].result.finished)) {
                    row.add(null); // did not finish at a smaller size: not run larger
                    continue;
                }
                Result r = runner.run(v, expected);
                row.add(r);
                if (v == Variant.CALLBACKS && r.finished) {
                    cb = r;
                }
            }
            runner.close();
            for (int j = 0; j < base.variants.size(); j++) {
                Result r = row.get(j);
                if (r == null) {
                    continue;
                }
                double ratio = cb != null && r.finished && r.measured() ? r.medianMs() / cb.medianMs() : Double.NaN;
                out.get(base.variants.get(j))[i] = new Point(x.applyAsDouble(i), r, ratio);
            }
        }
        return out;
    }

    /** The smallest per-step work at which every variant that finished is within 10 % of callbacks. */
    Long workWithin10Percent() {
        Map<Variant, Point[]> work = axes.get("work_ns");
        for (int i = 0; i < WORK_NS.length; i++) {
            boolean all = true;
            for (Point[] ps : work.values()) {
                Point p = ps[i];
                if (p == null || !p.result.finished || Double.isNaN(p.ratio) || p.ratio > 1.10) {
                    all = false;
                }
            }
            if (all) {
                return WORK_NS[i];
            }
        }
        return null;
    }

    void print(PrintStream out) {
        out.println();
        out.printf(Locale.ROOT, "Scaling sweep (io=%s, %d loop(s)); cells: median ms (x callbacks); - = not run%n",
                base.io.label(), base.loops);
        String[] titles = {"N (K=" + base.k + ")", "K (N=" + base.n + ")", "work ns/step (N=" + WORK_N + ", K=" + base.k + ")"};
        int t = 0;
        for (Map.Entry<String, Map<Variant, Point[]>> axis : axes.entrySet()) {
            out.printf("%n%-30s", titles[t++]);
            Point[] any = axis.getValue().values().iterator().next();
            for (Point p : xs(axis.getValue(), any.length)) {
                out.printf(Locale.ROOT, " %20.0f", p == null ? Double.NaN : p.x);
            }
            out.println();
            for (Map.Entry<Variant, Point[]> e : axis.getValue().entrySet()) {
                out.printf("%-30s", e.getKey().label);
                for (Point p : e.getValue()) {
                    if (p == null) {
                        out.printf(" %20s", "-");
                    } else if (!p.result.finished) {
                        out.printf(" %20s", "DNF (" + p.result.tasksLeft + " left)");
                    } else {
                        out.printf(Locale.ROOT, " %20s", String.format(Locale.ROOT, "%.2f (%.1fx)", p.result.medianMs(), p.ratio));
                    }
                }
                out.println();
            }
        }
        Long w = workWithin10Percent();
        out.printf("%nper-step work at which every variant is within 10%% of callbacks: %s%n",
                w == null ? "none of the points measured" : w + " ns");
    }

    private static Point[] xs(Map<Variant, Point[]> axis, int n) {
        Point[] out = new Point[n];
        for (Point[] ps : axis.values()) {
            for (int i = 0; i < n; i++) {
                if (out[i] == null && ps[i] != null) {
                    out[i] = ps[i];
                }
            }
        }
        return out;
    }

    String json() {
        Json j = new Json().open();
        j.key("params").open().field("io", base.io.label()).field("loops", base.loops).field("k", base.k)
                .field("n", base.n).field("work_n", WORK_N).close();
        j.key("env").open().field("machine", Report.machine()).field("date", java.time.ZonedDateTime.now().toString()).close();
        Long w = workWithin10Percent();
        if (w != null) {
            j.field("work_ns_within_10_percent", w);
        }
        for (Map.Entry<String, Map<Variant, Point[]>> axis : axes.entrySet()) {
            j.key(axis.getKey()).openArray();
            for (Map.Entry<Variant, Point[]> e : axis.getValue().entrySet()) {
                for (Point p : e.getValue()) {
                    if (p == null) {
                        continue;
                    }
                    j.open().field("variant", e.getKey().label).field("x", (long) p.x).field("finished", p.result.finished);
                    if (p.result.finished) {
                        j.field("median_ms", p.result.medianMs()).field("ratio_to_callbacks", p.ratio)
                                .field("checksum_ok", p.result.checksumOk);
                    } else {
                        j.field("tasks_left", p.result.tasksLeft);
                    }
                    j.close();
                }
            }
            j.closeArray();
        }
        return j.close().toString();
    }

    void chart(Path file) throws IOException {
        List<BufferedImage> imgs = new ArrayList<>();
        imgs.add(BitmapEncoder.getBufferedImage(line("Time vs N (K=" + base.k + ")", "N tasks", "median ms",
                axes.get("n"), false)));
        imgs.add(BitmapEncoder.getBufferedImage(line("Time vs K (N=" + base.n + ")", "K steps", "median ms",
                axes.get("k"), false)));
        imgs.add(BitmapEncoder.getBufferedImage(line("Ratio to callbacks vs work per step (N=" + WORK_N + ")",
                "work ns per step (0 plotted at 10)", "x callbacks", axes.get("work_ns"), true)));
        Report.writeImages(file, imgs);
    }

    private static XYChart line(String title, String xTitle, String yTitle, Map<Variant, Point[]> axis, boolean ratio) {
        XYChart c = new XYChartBuilder().width(620).height(520).title(title)
                .xAxisTitle(xTitle + "   [" + Report.machine() + "]").yAxisTitle(yTitle).build();
        c.getStyler().setAxisTitleFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 11));
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setDecimalPattern("#,##0.##");
        for (Map.Entry<Variant, Point[]> e : axis.entrySet()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (Point p : e.getValue()) {
                if (p != null && p.result.finished) {
                    double y = ratio ? p.ratio : p.result.medianMs();
                    if (!Double.isNaN(y) && y > 0) {
                        xs.add(p.x <= 0 ? 10 : p.x);
                        ys.add(y);
                    }
                }
            }
            if (!xs.isEmpty()) {
                XYSeries s = c.addSeries(e.getKey().label, xs, ys);
                s.setMarker(SeriesMarkers.CIRCLE);
            }
        }
        return c;
    }
}
