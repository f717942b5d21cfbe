package dev.weft.bench;

import dev.weft.bench.ScenarioRunner.Result;
import dev.weft.core.LoopStats;
import dev.weft.coroutines.CoroutineStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One fresh JVM per variant, as JMH forks per benchmark: a style's JIT profile (which listener type
 * a call site sees, which branches are hot) would otherwise shape the compiled code the next style
 * runs through, and a variant measured second could run on code deoptimised for the first. The
 * worker is the same jar ({@code java -jar weft-bench.jar worker VARIANT [options]}) and answers with
 * one {@code RESULT} line on stdout; its progress goes to the parent's stderr. Its heap is fixed and
 * pre-touched, so that first-touch page faults are not measured as the cost of a style.
 */
final class Fork {
    /** Heap of a worker JVM (fixed and pre-touched). */
    static final String HEAP = System.getProperty("weft.bench.heap", "1g");

    private Fork() {}

    /** The bench jar this class runs from, or null (tests, IDE): then variants run in-process. */
    static Path jar() {
        try {
            Path p = Path.of(Fork.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    static Result run(Path jar, Variant v, ScenarioOptions o, PrintStream progress) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        if (o.cpus != null) {
            // Confined to the CPUs asked for, but with the parent's processor count, so that its GC and
            // thread-pool ergonomics stay those of an unconfined run (on one CPU the JVM would otherwise
            // pick the serial collector).
            cmd.addAll(List.of("taskset", "-c", o.cpus, java,
                    "-XX:ActiveProcessorCount=" + Runtime.getRuntime().availableProcessors()));
        } else {
            cmd.add(java);
        }
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("weft.") || name.startsWith("io.netty.")) {
                cmd.add("-D" + name + "=" + System.getProperty(name)); // Weft's and Netty's tunables
            }
        }
        // A fixed, pre-touched heap: otherwise every rep of the first seconds allocates into pages the
        // JVM has never touched, and on this VM the page faults alone cost ~12 ms per 4.5 MB (callbacks
        // measured 14 ms instead of 2.4 ms until the heap had been touched once).
        cmd.addAll(List.of("-Xms" + HEAP, "-Xmx" + HEAP, "-XX:+AlwaysPreTouch"));
        if (Runtime.version().feature() >= 23) {
            cmd.add("--sun-misc-unsafe-memory-access=allow"); // JCTools' Unsafe use warns on every start otherwise
        }
        cmd.addAll(List.of("-jar", jar.toString(), "worker", v.label));
        cmd.addAll(o.workerArgs());
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String result = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("RESULT ")) {
                        result = line.substring(7);
                    }
                }
            }
            int status = p.waitFor();
            if (result == null) {
                return failed(v, "worker JVM exited with status " + status + " and no result");
            }
            return decode(v, result);
        } catch (IOException e) {
            return failed(v, "could not start a worker JVM: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(v, "interrupted");
        }
    }

    private static Result failed(Variant v, String why) {
        return new Result(v, new long[0], false, 0, 0, false, null, new IllegalStateException(why), null, null, 0, 0, 0);
    }

    /** The worker side: run one variant in this JVM and print its result line. */
    static int worker(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || Variant.byName(args[0]) == null) {
            err.println("weft-bench worker: expected a variant name first");
            return 2;
        }
        Variant v = Variant.byName(args[0]);
        ScenarioOptions o;
        try {
            o = ScenarioOptions.parse(Arrays.copyOfRange(args, 1, args.length));
        } catch (ScenarioOptions.UsageException | ScenarioOptions.HelpRequested e) {
            err.println("weft-bench worker: " + e.getMessage());
            return 2;
        }
        ScenarioRunner runner = new ScenarioRunner(o, o.quiet ? null : err);
        try {
            Result r = runner.runHere(v, Steps.expectedChecksum(o.n, o.k));
            out.println("RESULT " + encode(r));
        } finally {
            runner.close();
        }
        return 0;
    }

    static String encode(Result r) {
        StringBuilder b = new StringBuilder();
        put(b, "finished", r.finished);
        put(b, "tasksLeft", r.tasksLeft);
        put(b, "checksum", r.checksum);
        put(b, "checksumOk", r.checksumOk);
        put(b, "unavailable", r.unavailable);
        put(b, "failure", r.failure == null ? null : r.failure.toString());
        StringBuilder reps = new StringBuilder();
        for (long n : r.repNanos) {
            reps.append(reps.length() == 0 ? "" : ",").append(n);
        }
        put(b, "reps", reps.toString());
        if (r.loop != null) {
            LoopStats l = r.loop;
            put(b, "loop", l.tasks() + "," + l.drains() + "," + l.budgetExhaustions() + "," + l.crossThreadHandoffs() + ","
                    + l.succeeded() + "," + l.failed() + "," + l.cancelled() + "," + l.lateCompletions() + ","
                    + l.taskFailures() + "," + l.listenerFailures() + "," + l.pendingOperations() + "," + l.iterations());
        }
        if (r.coroutines != null) {
            CoroutineStats c = r.coroutines;
            put(b, "co", c.started() + "," + c.completed() + "," + c.live() + "," + c.resumesOnLoop() + ","
                    + c.resumesOffLoop() + "," + c.parks() + "," + c.yields());
        }
        put(b, "alloc", r.allocatedBytes);
        put(b, "cpu", r.cpuNanos);
        put(b, "steps", r.steps);
        return b.toString();
    }

    private static void put(StringBuilder b, String k, Object v) {
        if (v == null) {
            return;
        }
        String s = v.toString().replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
        b.append(b.length() == 0 ? "" : "\t").append(k).append('=').append(s);
    }

    static Result decode(Variant v, String line) {
        Map<String, String> m = new HashMap<>();
        for (String kv : line.split("\t")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), kv.substring(eq + 1).replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\"));
        }
        long[] reps = m.getOrDefault("reps", "").isEmpty() ? new long[0]
                : Arrays.stream(m.get("reps").split(",")).mapToLong(Long::parseLong).toArray();
        LoopStats loop = null;
        if (m.containsKey("loop")) {
            long[] x = longs(m.get("loop"));
            loop = new LoopStats(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], (int) x[10], x[11]);
        }
        CoroutineStats co = null;
        if (m.containsKey("co")) {
            long[] x = longs(m.get("co"));
            co = new CoroutineStats(x[0], x[1], (int) x[2], x[3], x[4], x[5], x[6]);
        }
        String failure = m.get("failure");
        return new Result(v, reps, Boolean.parseBoolean(m.get("finished")), Integer.parseInt(m.getOrDefault("tasksLeft", "0")),
                Long.parseLong(m.getOrDefault("checksum", "0")), Boolean.parseBoolean(m.get("checksumOk")),
                m.get("unavailable"), failure == null ? null : new IllegalStateException(failure), loop, co,
                Long.parseLong(m.getOrDefault("alloc", "0")), Long.parseLong(m.getOrDefault("cpu", "0")),
                Long.parseLong(m.getOrDefault("steps", "0")));
    }

    private static long[] longs(String csv) {
        return Arrays.stream(csv.split(",")).mapToLong(Long::parseLong).toArray();
    }
}
