package dev.weft.bench;

import dev.weft.bench.ScenarioRunner.Result;
import dev.weft.core.LoopStats;
import dev.weft.coroutines.CoroutineStats;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** The scenario's table (stdout), JSON and chart. */
final class Report {
    /** The published finding this scenario reproduces. */
    static final double ARTICLE_CALLBACKS_MS = 14.59;
    static final double ARTICLE_COOPERATIVE_MS = 212.58;

    private final ScenarioOptions o;
    private final List<Result> results;
    private final String date = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);

    Report(ScenarioOptions o, List<Result> results) {
        this.o = o;
        this.results = results;
    }

    static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch");
    }

    private Result callbacks() {
        for (Result r : results) {
            if (r.variant == Variant.CALLBACKS && r.measured() && r.finished) {
                return r;
            }
        }
        return null;
    }

    /** The measured floor of this run's --io (the yardstick), or null. */
    private Result floor() {
        for (Result r : results) {
            if (r.variant.floorOf == o.io && r.measured() && r.finished) {
                return r;
            }
        }
        return null;
    }

    /** Median over the floor's median, in this run; NaN without a floor. */
    double floorRatio(Result r) {
        Result f = floor();
        return f == null || !r.measured() ? Double.NaN : r.medianMs() / f.medianMs();
    }

    double ratio(Result r) {
        Result cb = callbacks();
        return cb == null || !r.measured() ? Double.NaN : r.medianMs() / cb.medianMs();
    }

    // ------------------------------------------------------------------ table

    void printTable(PrintStream out) {
        out.printf(Locale.ROOT, "Weft scenario: N=%d tasks x K=%d steps, io=%s, %d loop(s), %d reps after %d warm-up,"
                + " work/step=%d ns%n", o.n, o.k, o.io.label(), o.loops, o.reps, o.warmup, o.workNs);
        out.printf(Locale.ROOT, "machine: %s; %s%s%n", machine(), date,
                o.cpus == null ? "" : "; every worker JVM confined to CPU(s) " + o.cpus);
        if (hasPeers()) {
            out.printf(Locale.ROOT, "peers: %s%n", Peers.versions());
        }
        out.println();
        String head = String.format(Locale.ROOT, "%-30s %10s %19s %9s %8s %9s %8s %8s %9s %9s %8s %8s %7s %7s %s",
                "variant", "median ms", "min-max ms", "x cb", "x floor", "ns/step", "B/step", "CPU ms", "handoff/s",
                "offloop/s", "yield/s", "park/s", "iters", "cuts", "checksum");
        out.println(head);
        out.println("-".repeat(head.length()));
        for (Result r : results) {
            if (r.unavailable != null) {
                out.printf(Locale.ROOT, "%-30s unavailable: %s%n", r.variant.label, r.unavailable);
                continue;
            }
            if (!r.finished) {
                out.printf(Locale.ROOT, "%-30s did not finish: %d of %d tasks left after %.0f ms%s%n", r.variant.label,
                        r.tasksLeft, o.n, r.maxMs(), r.failure != null ? " (" + r.failure + ")" : "");
                continue;
            }
            LoopStats l = r.loop;
            CoroutineStats c = r.coroutines;
            out.printf(Locale.ROOT, "%-30s %10.2f %19s %9s %8s %9.0f %8.0f %8.0f %9.2f %9.2f %8.2f %8.2f %7d %7d %s%n",
                    r.variant.label, r.medianMs(), String.format(Locale.ROOT, "%.2f-%.2f", r.minMs(), r.maxMs()),
                    fmtRatio(ratio(r)), fmtRatio(floorRatio(r)), r.nsPerStep(o.n, o.k), r.perStep(r.allocatedBytes), r.cpuNanos / 1e6 / r.repNanos.length,
                    r.perStep(l.crossThreadHandoffs()), c == null ? 0 : r.perStep(c.resumesOffLoop()),
                    c == null ? 0 : r.perStep(c.yields()), c == null ? 0 : r.perStep(c.parks()),
                    l.iterations() / r.repNanos.length, l.budgetExhaustions() / r.repNanos.length, r.checksumOk ? "ok " + r.checksum : "MISMATCH " + r.checksum);
        }
        printFloorVtRatios(out);
        out.println();
        out.printf(Locale.ROOT, "reference (the article): callbacks %.2f ms, cooperative coroutines %.2f ms = %.1fx%n",
                ARTICLE_CALLBACKS_MS, ARTICLE_COOPERATIVE_MS, ARTICLE_COOPERATIVE_MS / ARTICLE_CALLBACKS_MS);
        out.println("columns: x cb = median / callbacks median; x floor = median / the floor's median (floor-netty at"
                + " --io tcp: plain Netty, the least work that moves the same bytes);");
        out.println("  B/step = bytes allocated per step (all threads);"
                + " CPU ms = process CPU per rep;");
        out.println("  handoff/s = tasks handed to a loop from another thread, per step; offloop/s = coroutine resumes"
                + " off the loop thread, per step;");
        out.println("  yield/s, park/s = per step; iters = loop iterations (I/O polls) per rep; cuts = drains cut short"
                + " by the time budget to let I/O in, per rep.");
    }

    /** Each measured variant's median over floor-vt's (the JDK's suspend/resume), when floor-vt ran. */
    private void printFloorVtRatios(PrintStream out) {
        Result floor = null;
        for (Result r : results) {
            if (r.variant == Variant.FLOOR_VT && r.measured() && r.finished) {
                floor = r;
            }
        }
        if (floor == null) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (Result r : results) {
            if (r != floor && r.measured() && r.finished) {
                b.append(b.length() == 0 ? "" : ", ").append(r.variant.label).append(' ')
                        .append(fmtRatio(r.medianMs() / floor.medianMs()));
            }
        }
        out.printf(Locale.ROOT, "x floor-vt (median / floor-vt's %.2f ms, %.0f ns/step): %s%n", floor.medianMs(),
                floor.nsPerStep(o.n, o.k), b);
    }

    private static String fmtRatio(double r) {
        return Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.2fx", r);
    }

    private boolean hasPeers() {
        for (Result r : results) {
            if (r.variant.peer) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ JSON

    String json() {
        Json j = new Json();
        j.open();
        j.key("params").open();
        j.field("n", o.n).field("k", o.k).field("io", o.io.label()).field("loops", o.loops).field("reps", o.reps)
                .field("warmup", o.warmup).field("work_ns", o.workNs).field("deadline_ms", o.deadlineMs);
        if (o.cpus != null) {
            j.field("cpus", o.cpus);
        }
        j.close();
        j.key("env").open();
        j.field("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
                .field("cores", Runtime.getRuntime().availableProcessors()).field("date", date)
                .field("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        if (hasPeers()) {
            j.field("peers", Peers.versions());
        }
        j.close();
        j.key("reference").open().field("article_callbacks_ms", ARTICLE_CALLBACKS_MS)
                .field("article_cooperative_ms", ARTICLE_COOPERATIVE_MS).close();
        j.key("variants").openArray();
        for (Result r : results) {
            j.open();
            j.field("name", r.variant.label).field("description", r.variant.description).field("peer", r.variant.peer);
            if (r.unavailable != null) {
                j.field("available", false).field("unavailable_reason", r.unavailable).field("finished", false);
                j.close();
                continue;
            }
            j.field("finished", r.finished);
            if (!r.finished) {
                j.field("tasks_left", r.tasksLeft);
                if (r.failure != null) {
                    j.field("failure", r.failure.toString());
                }
            }
            j.field("median_ms", r.medianMs()).field("min_ms", r.minMs()).field("max_ms", r.maxMs())
                    .field("ratio_to_callbacks", ratio(r)).field("ratio_to_floor", floorRatio(r)).field("ns_per_step", r.nsPerStep(o.n, o.k))
                    .field("checksum", r.checksum).field("checksum_ok", r.checksumOk)
                    .fieldArray("rep_ms", r.repNanos);
            if (r.loop != null) {
                LoopStats l = r.loop;
                CoroutineStats c = r.coroutines;
                j.field("bytes_per_step", r.perStep(r.allocatedBytes))
                        .field("cpu_ms_per_rep", r.cpuNanos / 1e6 / r.repNanos.length);
                j.key("counters").open();
                j.field("steps", r.steps).field("ops_completed", l.completed()).field("tasks_run", l.tasks())
                        .field("drains", l.drains()).field("drain_budget_cuts", l.budgetExhaustions())
                        .field("loop_iterations", l.iterations())
                        .field("cross_thread_handoffs", l.crossThreadHandoffs())
                        .field("cross_thread_handoffs_per_step", r.perStep(l.crossThreadHandoffs()));
                if (c != null) {
                    j.field("coroutines_started", c.started()).field("resumes_on_loop", c.resumesOnLoop())
                            .field("resumes_off_loop", c.resumesOffLoop())
                            .field("resumes_off_loop_per_step", r.perStep(c.resumesOffLoop()))
                            .field("parks", c.parks()).field("parks_per_step", r.perStep(c.parks()))
                            .field("yields", c.yields()).field("yields_per_step", r.perStep(c.yields()));
                }
                j.close();
            }
            j.close();
        }
        j.closeArray();
        j.close();
        return j.toString();
    }

    // ------------------------------------------------------------------ chart

    void chart(Path file) throws IOException {
        List<String> names = new ArrayList<>();
        List<Double> ms = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (Result r : results) {
            if (!r.measured()) {
                continue;
            }
            double m = r.finished ? r.medianMs() : (double) o.deadlineMs;
            if (!(m > 0)) {
                continue;
            }
            names.add(r.variant.label + (r.finished ? "" : " (did not finish)"));
            ms.add(m);
            ratios.add(r.finished ? ratio(r) : Double.NaN);
        }
        String title = String.format(Locale.ROOT, "N=%d x K=%d, io=%s, %d loop(s); %s", o.n, o.k, o.io.label(),
                o.loops, date.substring(0, 10));
        CategoryChart left = bar("Median wall time per run (ms, log)", "ms", names, ms, title);
        List<String> rNames = new ArrayList<>();
        List<Double> rValues = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (!Double.isNaN(ratios.get(i)) && ratios.get(i) > 0) {
                rNames.add(names.get(i));
                rValues.add(ratios.get(i));
            }
        }
        rNames.add("article: coop/callbacks");
        rValues.add(ARTICLE_COOPERATIVE_MS / ARTICLE_CALLBACKS_MS);
        CategoryChart right = bar("Slowdown vs callbacks (x, log)", "x callbacks", rNames, rValues, machine());
        writeSideBySide(file, left, right);
    }

    private static CategoryChart bar(String title, String yTitle, List<String> names, List<Double> values, String sub) {
        CategoryChart c = new CategoryChartBuilder().width(760).height(600).title(title)
                .xAxisTitle(sub).yAxisTitle(yTitle).build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setXAxisLabelRotation(45);
        c.getStyler().setAxisTitleFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 11));
        c.getStyler().setLabelsVisible(true);
        c.getStyler().setLabelsFontColorAutomaticEnabled(false);
        c.getStyler().setLabelsFontColor(Color.DARK_GRAY);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridVerticalLinesVisible(false);
        c.getStyler().setDecimalPattern("#,##0.0#");
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        // Bars start at zero unless told otherwise, which a log axis cannot show.
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(1);
        c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min * 0.9))));
        // The article's reference bar (last, when present) in its own colour.
        List<Double> weft = new ArrayList<>(values);
        List<Double> ref = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            boolean isRef = names.get(i).startsWith("article");
            ref.add(isRef ? values.get(i) : null);
            if (isRef) {
                weft.set(i, null);
            }
        }
        c.getStyler().setOverlapped(true);
        c.addSeries(yTitle, names, weft).setFillColor(new Color(70, 110, 200));
        if (ref.stream().anyMatch(java.util.Objects::nonNull)) {
            c.addSeries("article", names, ref).setFillColor(new Color(200, 90, 60));
        }
        return c;
    }

    static void writeSideBySide(Path file, CategoryChart... charts) throws IOException {
        List<BufferedImage> imgs = new ArrayList<>();
        for (CategoryChart c : charts) {
            imgs.add(BitmapEncoder.getBufferedImage(c));
        }
        writeImages(file, imgs);
    }

    static void writeImages(Path file, List<BufferedImage> imgs) throws IOException {
        int w = 0;
        int h = 0;
        for (BufferedImage i : imgs) {
            w += i.getWidth();
            h = Math.max(h, i.getHeight());
        }
        BufferedImage all = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int x = 0;
        for (BufferedImage i : imgs) {
            g.drawImage(i, x, 0, null);
            x += i.getWidth();
        }
        g.dispose();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        ImageIO.write(all, "png", file.toFile());
    }
}
