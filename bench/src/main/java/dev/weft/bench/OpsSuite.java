package dev.weft.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code java -jar weft-bench.jar ops [options]}: the per-operation JMH suite of issue 14 (every
 * benchmark {@link OpsTable.Operation} names, each style and peer) with {@code -prof gc}, then the
 * compact table ({@link OpsTable}) printed and written as {@code jmh-ops.txt} and {@code jmh-ops.json},
 * beside JMH's own result ({@code jmh-ops-raw.json}). Sized by default to finish in a few minutes on 2
 * cores (one fork, {@value #QUICK_WARMUPS} x {@value #QUICK_MS} ms warm-up, {@value #QUICK_ITERATIONS} x
 * {@value #QUICK_MS} ms measured, per row); {@code --long} for numbers to publish.
 */
final class OpsSuite {
    static final int QUICK_WARMUPS = 2;
    static final int QUICK_ITERATIONS = 3;
    static final int QUICK_MS = 400;

    static final String HELP = """
            usage: java -jar weft-bench.jar ops [options]
              Runs the per-operation JMH suite (each style and peer) with -prof gc and writes the table
              (operation, style/peer, ns/op, B/op) as jmh-ops.txt and jmh-ops.json.
            options:
              --long          publishable run: 2 forks, 5 x 1 s warm-up, 5 x 1 s measured per row
                              (default: 1 fork, 2 x 400 ms warm-up, 3 x 400 ms measured: a few minutes)
              --only REGEX    only the benchmarks matching REGEX (a JMH include pattern, e.g. Await|Timer)
              --publish       write to bench/results/<date>/ (tracked; default: bench/runs/<date>/)
              --out DIR       write to DIR
              --from FILE     no run: build the table from an existing JMH JSON result (-rf json)
            """;

    private OpsSuite() {}

    /** Runs the suite (or reads {@code --from}); returns the exit status (0 ok, 1 failure, 2 bad usage). */
    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        boolean longRun = false;
        boolean publish = false;
        String only = null;
        Path dir = null;
        Path from = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--long" -> longRun = true;
                case "--publish" -> publish = true;
                case "--only", "--out", "--from" -> {
                    if (i + 1 >= args.length) {
                        err.println("weft-bench ops: " + a + " needs a value");
                        return 2;
                    }
                    String v = args[++i];
                    switch (a) {
                        case "--only" -> only = v;
                        case "--out" -> dir = Path.of(v);
                        default -> from = Path.of(v);
                    }
                }
                case "--help", "-h" -> {
                    out.print(HELP);
                    return 0;
                }
                default -> {
                    err.println("weft-bench ops: unknown option '" + a + "' (try --help)");
                    return 2;
                }
            }
        }
        String date = LocalDate.now().toString();
        if (dir == null) {
            dir = Path.of(publish ? ScenarioOptions.PUBLISHED_DIR : ScenarioOptions.RUNS_DIR, date);
        }
        Files.createDirectories(dir);
        Path raw = from != null ? from : dir.resolve("jmh-ops-raw.json");
        String shape = longRun ? "2 forks, 5 x 1 s warm-up, 5 x 1 s measured"
                : "1 fork, " + QUICK_WARMUPS + " x " + QUICK_MS + " ms warm-up, " + QUICK_ITERATIONS + " x " + QUICK_MS
                        + " ms measured";
        long started = System.nanoTime();
        if (from == null) {
            String include = only != null ? only : OpsTable.Operation.includeAll();
            ChainedOptionsBuilder o = new OptionsBuilder().include(include).addProfiler(GCProfiler.class)
                    .resultFormat(ResultFormatType.JSON).result(raw.toString());
            if (longRun) {
                o.forks(2).warmupIterations(5).warmupTime(TimeValue.seconds(1)).measurementIterations(5)
                        .measurementTime(TimeValue.seconds(1));
            } else {
                o.forks(1).warmupIterations(QUICK_WARMUPS).warmupTime(TimeValue.milliseconds(QUICK_MS))
                        .measurementIterations(QUICK_ITERATIONS).measurementTime(TimeValue.milliseconds(QUICK_MS));
            }
            err.println("weft-bench ops: " + include + " (" + shape + "), -prof gc; JMH result: " + raw);
            try {
                new Runner(o.build()).run();
            } catch (RunnerException e) {
                err.println("weft-bench ops: JMH failed: " + e.getMessage());
                return 1;
            }
        }
        OpsTable table = OpsTable.fromJmhJson(Files.readString(raw, StandardCharsets.UTF_8));
        if (table.rows.isEmpty()) {
            err.println("weft-bench ops: no result of the suite in " + raw);
            return 1;
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        String machine = Report.machine();
        String versions = Peers.versions();
        String header = "per-operation costs (JMH, -prof gc), " + date + "; " + machine + "; " + versions + "\n"
                + (from == null ? "run: " + shape + ", " + seconds + " s" : "from: " + from) + "\n\n";
        String text = header + table.text();
        out.print(text);
        List<String[]> meta = new ArrayList<>();
        meta.add(new String[] {"date", date});
        meta.add(new String[] {"machine", machine});
        meta.add(new String[] {"versions", versions});
        meta.add(new String[] {"run", from == null ? shape : "from " + from});
        meta.add(new String[] {"jmhResult", raw.toString()});
        Path txt = dir.resolve("jmh-ops.txt");
        Path json = dir.resolve("jmh-ops.json");
        Main.write(txt, text);
        Main.write(json, table.json(meta));
        out.printf("%nwrote %s and %s%n", txt, json);
        return 0;
    }
}
