package dev.weft.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The scenario's options, parsed and checked. A bad option is a one-line {@link UsageException}. */
final class ScenarioOptions {
    int n = 10_000;
    int k = 10;
    Io io = Io.TICK;
    int loops = 1;
    int reps = 15;
    int warmup = 5;
    long warmupMs = 1500;
    List<Variant> variants = new ArrayList<>(Variant.DEFAULTS);
    /** Where a run's JSON, text table and chart go when no option says: untracked, so a clone stays clean. */
    static final String RUNS_DIR = "bench/runs";
    /** Where {@code --publish} writes them: the results the README shows, tracked in git. */
    static final String PUBLISHED_DIR = "bench/results";

    Path json;
    Path chart;
    boolean publish;
    /** --peers: the peers run after the variants asked for. */
    boolean peers;
    boolean sweep;
    long workNs;
    long deadlineMs = 30_000;
    int connections = 64;
    boolean quiet;
    boolean inProcess;
    /** --cpus: the CPU list every worker JVM is confined to ({@code taskset -c} syntax), or null: the OS places them. */
    String cpus;

    /** Option name -> (value placeholder, help with default). Order is the --help order. */
    static final Map<String, String[]> HELP = new LinkedHashMap<>();

    static {
        HELP.put("--n", new String[] {"N", "tasks started at once (default 10000)"});
        HELP.put("--k", new String[] {"K", "sequential async steps per task (default 10)"});
        HELP.put("--io", new String[] {"tick|timer|tcp", "what one step is: a task on the loop's next iteration, a zero-delay"
                + " loop timer, or a request/reply over loopback TCP to an in-process echo server (default tick)"});
        HELP.put("--loops", new String[] {"L", "event loops; tasks are spread over them (default 1)"});
        HELP.put("--reps", new String[] {"R", "measured repetitions per variant; medians are reported (default 15)"});
        HELP.put("--warmup", new String[] {"W", "unmeasured repetitions first, at least (default 5)"});
        HELP.put("--warmup-ms", new String[] {"MS", "...and at least this long, so the JIT has compiled the"
                + " variant's code before it is measured (default 1500)"});
        HELP.put("--variants", new String[] {"a,b,...", "which variants, in order (default: all of Weft's, "
                + String.join(",", names(Variant.DEFAULTS)) + "; peers: " + String.join(",", names(Variant.PEERS)) + ")"});
        HELP.put("--peers", new String[] {"", "also run the peers (plain JDK, Vert.x, Reactor) after the variants, in"
                + " the same run"});
        HELP.put("--work-ns", new String[] {"NS", "CPU work done inside each step, in ns (default 0)"});
        HELP.put("--deadline", new String[] {"MS", "a repetition that takes longer is stopped and reported as not"
                + " finished (default 30000)"});
        HELP.put("--connections", new String[] {"C", "TCP connections for --io tcp, pipelined (default 64)"});
        HELP.put("--json", new String[] {"FILE", "where to write the JSON; the text table and (unless --chart) the chart go"
                + " beside it (default " + RUNS_DIR + "/scenario-<io>.json, untracked)"});
        HELP.put("--chart", new String[] {"FILE", "where to write the chart, a .png; the JSON and text go beside it unless"
                + " --json says (default beside the JSON)"});
        HELP.put("--publish", new String[] {"", "write to " + PUBLISHED_DIR + "/, the results the README shows (tracked in git)"});
        HELP.put("--sweep", new String[] {"", "also run the scaling sweep (N, K and --work-ns) and chart it"});
        HELP.put("--in-process", new String[] {"", "run every variant in this JVM instead of one fresh JVM per variant"
                + " (the default when run from the jar: JIT profiles of one style then cannot slow another)"});
        HELP.put("--cpus", new String[] {"LIST", "confine every worker JVM to these CPUs (Linux taskset -c syntax, e.g. 0"
                + " or 0-1), so that variants compared in one run also ran on the same CPUs (on a VM whose vCPUs run at"
                + " different speeds, a JVM's speed is otherwise the speed of the vCPU its loop landed on)"});
        HELP.put("--quiet", new String[] {"", "no progress on stderr"});
        HELP.put("--help", new String[] {"", "this text"});
    }

    enum Io {
        TICK, TIMER, TCP;

        String label() {
            return name().toLowerCase();
        }
    }

    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static final class HelpRequested extends Exception {
        private static final long serialVersionUID = 1L;
    }

    static ScenarioOptions parse(String[] args) throws UsageException, HelpRequested {
        ScenarioOptions o = new ScenarioOptions();
        boolean variantsGiven = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            if (!HELP.containsKey(a)) {
                throw new UsageException("unknown option '" + a + "' (try --help)");
            }
            boolean flag = HELP.get(a)[0].isEmpty();
            if (flag) {
                if (value != null) {
                    throw new UsageException(a + " takes no value");
                }
            } else if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException(a + " needs a value: " + HELP.get(a)[0]);
                }
                value = args[++i];
            }
            switch (a) {
                case "--n" -> o.n = positiveInt(a, value);
                case "--k" -> o.k = positiveInt(a, value);
                case "--io" -> o.io = io(value);
                case "--loops" -> o.loops = positiveInt(a, value);
                case "--reps" -> o.reps = positiveInt(a, value);
                case "--warmup" -> o.warmup = nonNegativeInt(a, value);
                case "--warmup-ms" -> o.warmupMs = nonNegativeInt(a, value);
                case "--variants" -> {
                    o.variants = variants(value);
                    variantsGiven = true;
                }
                case "--work-ns" -> o.workNs = nonNegativeInt(a, value);
                case "--deadline" -> o.deadlineMs = positiveInt(a, value);
                case "--connections" -> o.connections = positiveInt(a, value);
                case "--json" -> o.json = outputPath(a, value, ".json");
                case "--chart" -> o.chart = outputPath(a, value, ".png");
                case "--publish" -> o.publish = true;
                case "--peers" -> o.peers = true;
                case "--sweep" -> o.sweep = true;
                case "--quiet" -> o.quiet = true;
                case "--in-process" -> o.inProcess = true;
                case "--cpus" -> o.cpus = cpuList(a, value);
                case "--help" -> throw new HelpRequested();
                default -> throw new UsageException("unknown option '" + a + "'");
            }
        }
        // By default the floors of other --io modes are left out (runAll skips them too, saying so).
        if (!variantsGiven) {
            o.variants.removeIf(v -> !v.runsAt(o.io));
        }
        if (o.peers) {
            for (Variant p : Variant.PEERS) {
                if (!o.variants.contains(p)) {
                    o.variants.add(p);
                }
            }
        }
        if (o.cpus != null) {
            checkCpus(o);
        }
        if ((long) o.n * o.k > 100_000_000L) {
            throw new UsageException("--n x --k = " + (long) o.n * o.k + " steps (expected: at most 100000000)");
        }
        return o;
    }

    /** These options as command-line arguments for a worker JVM that measures one variant. */
    java.util.List<String> workerArgs() {
        java.util.List<String> a = new ArrayList<>(java.util.List.of("--n", Integer.toString(n), "--k",
                Integer.toString(k), "--io", io.label(), "--loops", Integer.toString(loops), "--reps",
                Integer.toString(reps), "--warmup", Integer.toString(warmup), "--warmup-ms", Long.toString(warmupMs),
                "--work-ns", Long.toString(workNs), "--deadline", Long.toString(deadlineMs), "--connections",
                Integer.toString(connections)));
        if (quiet) {
            a.add("--quiet");
        }
        return a;
    }

    static String help() {
        StringBuilder b = new StringBuilder("usage: java -jar weft-bench.jar scenario [options]\n\n"
                + "Runs N tasks of K async steps each in every variant, side by side, and reports medians,\n"
                + "ratios to callbacks, ns and bytes per step, CPU time and the counters that explain them.\n\n");
        for (Map.Entry<String, String[]> e : HELP.entrySet()) {
            String left = e.getKey() + (e.getValue()[0].isEmpty() ? "" : " " + e.getValue()[0]);
            b.append(String.format("  %-26s %s%n", left, e.getValue()[1]));
        }
        b.append("\nOther commands: jmh [JMH options] runs the JMH suite (e.g. jmh -prof gc SuspendResume).\n");
        return b.toString();
    }

    private static List<String> names(List<Variant> vs) {
        List<String> out = new ArrayList<>();
        for (Variant v : vs) {
            out.add(v.label);
        }
        return out;
    }

    private static String cpuList(String name, String v) throws UsageException {
        if (!v.matches("\\d+(-\\d+)?(,\\d+(-\\d+)?)*")) {
            throw new UsageException(name + ": '" + v + "' (expected a CPU list such as 0, 0-1 or 0,2)");
        }
        return v;
    }

    /** --cpus needs worker JVMs (the bench jar, not --in-process) and taskset to start them with. */
    private static void checkCpus(ScenarioOptions o) throws UsageException {
        if (o.inProcess) {
            throw new UsageException("--cpus confines the worker JVMs, and --in-process runs none (expected one of the two)");
        }
        if (Fork.jar() == null) {
            throw new UsageException("--cpus confines the worker JVMs, and run from a class path (not the bench jar)"
                    + " every variant runs in this JVM: run java -jar bench/target/weft-bench.jar scenario --cpus ...");
        }
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            found |= !dir.isEmpty() && java.nio.file.Files.isExecutable(Path.of(dir, "taskset"));
        }
        if (!found) {
            throw new UsageException("--cpus needs taskset on the PATH (Linux; Debian package util-linux)");
        }
    }

    private static int positiveInt(String name, String v) throws UsageException {
        int x = anInt(name, v);
        if (x <= 0) {
            throw new UsageException(name + ": " + v + " (expected: > 0)");
        }
        return x;
    }

    private static int nonNegativeInt(String name, String v) throws UsageException {
        int x = anInt(name, v);
        if (x < 0) {
            throw new UsageException(name + ": " + v + " (expected: >= 0)");
        }
        return x;
    }

    private static int anInt(String name, String v) throws UsageException {
        try {
            return Integer.parseInt(v.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": '" + v + "' (expected: an integer)");
        }
    }

    private static Io io(String v) throws UsageException {
        for (Io io : Io.values()) {
            if (io.label().equals(v)) {
                return io;
            }
        }
        throw new UsageException("--io: '" + v + "' (expected: tick, timer or tcp)");
    }

    private static List<Variant> variants(String v) throws UsageException {
        List<Variant> out = new ArrayList<>();
        for (String s : v.split(",")) {
            Variant x = Variant.byName(s.trim());
            if (x == null) {
                throw new UsageException("--variants: unknown variant '" + s.trim() + "' (expected some of "
                        + String.join(",", Variant.names()) + ")");
            }
            if (out.contains(x)) {
                throw new UsageException("--variants: '" + s.trim() + "' given twice");
            }
            out.add(x);
        }
        return out;
    }

    /**
     * An output file named by the user: its folder must exist and be writable (a typo is a one-line
     * error, not a new directory tree), and its name must end as expected.
     */
    private static Path outputPath(String option, String v, String suffix) throws UsageException {
        if (!v.endsWith(suffix)) {
            throw new UsageException(option + ": '" + v + "' (expected: a " + suffix + " file)");
        }
        Path p = Path.of(v).toAbsolutePath().normalize();
        Path dir = p.getParent();
        if (dir == null || !java.nio.file.Files.isDirectory(dir)) {
            throw new UsageException(option + ": '" + v + "': folder " + dir + " does not exist (expected: an existing folder)");
        }
        if (!java.nio.file.Files.isWritable(dir) || java.nio.file.Files.isDirectory(p)
                || java.nio.file.Files.exists(p) && !java.nio.file.Files.isWritable(p)) {
            throw new UsageException(option + ": '" + v + "' cannot be written");
        }
        return Path.of(v);
    }

    /** The JSON file of this run: --json, else beside --chart, else in the runs (or, with --publish, results) folder. */
    Path jsonPath() {
        if (json != null) {
            return json;
        }
        if (chart != null) {
            return chart.resolveSibling(chart.getFileName().toString().replaceFirst("\\.png$", ".json"));
        }
        return Path.of(publish ? PUBLISHED_DIR : RUNS_DIR, "scenario-" + io.label() + ".json");
    }

    /** The chart of this run: --chart, else beside the JSON. */
    Path chartPath() {
        if (chart != null) {
            return chart;
        }
        Path j = jsonPath();
        return j.resolveSibling(j.getFileName().toString().replaceFirst("\\.json$", ".png"));
    }
}
