package dev.weft.bench;

import dev.weft.bench.ScenarioOptions.HelpRequested;
import dev.weft.bench.ScenarioOptions.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar weft-bench.jar scenario [options]}: the scenario comparison (see --help).
 * {@code java -jar weft-bench.jar jmh [JMH options]}: the JMH suite.
 * {@code java -jar weft-bench.jar ops [options]}: the per-operation JMH suite and its table (see ops --help).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        String cmd = args.length == 0 ? "scenario" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (cmd) {
            case "scenario" -> System.exit(scenario(rest, System.out, System.err));
            case "jmh" -> org.openjdk.jmh.Main.main(rest);
            case "ops" -> System.exit(OpsSuite.run(rest, System.out, System.err));
            case "worker" -> System.exit(Fork.worker(rest, System.out, System.err));
            case "--help", "-h", "help" -> System.out.print(ScenarioOptions.help());
            default -> {
                System.err.println("weft-bench: unknown command '" + cmd + "' (expected: scenario, jmh or ops; try --help)");
                System.exit(2);
            }
        }
    }

    /** Runs the scenario; returns the exit status (0 ok, 1 a checksum mismatch or failure, 2 bad usage). */
    static int scenario(String[] args, PrintStream out, PrintStream err) throws IOException {
        ScenarioOptions o;
        try {
            o = ScenarioOptions.parse(args);
        } catch (UsageException e) {
            err.println("weft-bench: " + e.getMessage());
            return 2;
        } catch (HelpRequested h) {
            out.print(ScenarioOptions.help());
            return 0;
        }
        PrintStream progress = o.quiet ? null : err;
        if (progress != null) {
            progress.printf("weft-bench: N=%d K=%d io=%s loops=%d, %d warm-up + %d reps per variant%n", o.n, o.k,
                    o.io.label(), o.loops, o.warmup, o.reps);
        }
        List<ScenarioRunner.Result> results = new ScenarioRunner(o, progress).runAll();
        Report report = new Report(o, results);
        java.io.ByteArrayOutputStream table = new java.io.ByteArrayOutputStream();
        report.printTable(new PrintStream(table, true, StandardCharsets.UTF_8));
        out.print(table.toString(StandardCharsets.UTF_8));
        Path json = o.jsonPath();
        Path chart = o.chartPath();
        Path text = json.resolveSibling(json.getFileName().toString().replaceFirst("\\.json$", "") + ".txt");
        write(json, report.json());
        write(text, table.toString(StandardCharsets.UTF_8));
        report.chart(chart);
        out.printf("%nwrote %s, %s and %s%n", json, text, chart);
        int status = 0;
        for (ScenarioRunner.Result r : results) {
            if (r.measured() && r.finished && !r.checksumOk) {
                err.println("weft-bench: CHECKSUM MISMATCH in " + r.variant.label + ": " + r.checksum);
                status = 1;
            }
            if (r.failure != null) {
                err.println("weft-bench: " + r.variant.label + " failed: " + r.failure);
                status = 1;
            }
        }
        if (o.sweep) {
            Sweep sweep = new Sweep(o, progress);
            sweep.run();
            Path sj = json.resolveSibling("sweep-" + o.io.label() + ".json");
            Path sc = chart.resolveSibling("sweep-" + o.io.label() + ".png");
            java.io.ByteArrayOutputStream st = new java.io.ByteArrayOutputStream();
            sweep.print(new PrintStream(st, true, StandardCharsets.UTF_8));
            out.print(st.toString(StandardCharsets.UTF_8));
            write(sj, sweep.json());
            write(sj.resolveSibling("sweep-" + o.io.label() + ".txt"), st.toString(StandardCharsets.UTF_8));
            sweep.chart(sc);
            out.printf("wrote %s and %s%n", sj, sc);
        }
        return status;
    }

    static void write(Path file, String text) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
