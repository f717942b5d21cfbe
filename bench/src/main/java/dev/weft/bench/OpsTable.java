package dev.weft.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The per-operation table (issue 14) built from a JMH result file ({@code -rf json}) of the suite that
 * {@code weft-bench.jar ops} runs: one row per benchmark and variant, with the operation it measures,
 * ns per operation (and JMH's 99.9 % error), and bytes allocated per operation ({@code -prof gc}'s
 * {@code gc.alloc.rate.norm}; absent without it). Rows are ordered by operation, then Weft's styles,
 * then the floors and peers. Results of benchmarks outside the suite are skipped.
 */
final class OpsTable {
    /** The suite's operations, in table order: label, JMH benchmark class, the param that splits it (or null). */
    enum Operation {
        AWAIT_DONE("await-done", "AwaitBenchmark", "state", "done"),
        AWAIT_PENDING("await-pending", "AwaitBenchmark", "state", "pending"),
        HOP("hop", "SuspendResumeBenchmark", null, null),
        TIMER("timer", "TimerBenchmark", null, null),
        ALL_OF_10("all-of-10", "AllAnyBenchmark", "combinator", "all"),
        ANY_OF_10("any-of-10", "AllAnyBenchmark", "combinator", "any"),
        LAUNCH("launch", "LaunchBenchmark", null, null),
        TCP_REQUEST("tcp-request", "TcpRequestReplyBenchmark", null, null);

        final String label;
        final String benchmarkClass;
        final String param;
        final String value;

        Operation(String label, String benchmarkClass, String param, String value) {
            this.label = label;
            this.benchmarkClass = benchmarkClass;
            this.param = param;
            this.value = value;
        }

        /** The JMH include pattern of the whole suite. */
        static String includeAll() {
            StringBuilder b = new StringBuilder();
            for (Operation o : values()) {
                String re = "\\." + o.benchmarkClass + "\\.";
                if (b.indexOf(re) < 0) {
                    b.append(b.length() == 0 ? "" : "|").append(re);
                }
            }
            return b.toString();
        }

        static Operation of(String benchmark, JsonObject params) {
            String cls = simpleClass(benchmark);
            for (Operation o : values()) {
                if (o.benchmarkClass.equals(cls) && (o.param == null || o.value.equals(params.getString(o.param)))) {
                    return o;
                }
            }
            return null;
        }
    }

    /** Variants in column order: Weft's styles, the floors and baselines, then the peers. */
    static final List<String> VARIANT_ORDER = List.of("callbacks", "futures", "coroutines-loop", "coroutines-default",
            "floor-netty", "jdk-executor", "jdk-cf", "jdk-vt", "vertx-compose", "vertx-vt-await", "reactor-mono");

    /** One row: ns and B per operation ({@code NaN} when not measured). */
    record Row(Operation operation, String variant, String benchmark, double ns, double nsError, double bytes) {}

    final List<Row> rows;

    private OpsTable(List<Row> rows) {
        this.rows = rows;
    }

    /** Parses JMH's JSON result (an array of benchmark results). */
    static OpsTable fromJmhJson(String json) {
        List<Row> rows = new ArrayList<>();
        for (Object o : new JsonArray(json)) {
            JsonObject r = (JsonObject) o;
            String benchmark = r.getString("benchmark");
            JsonObject params = r.getJsonObject("params", new JsonObject());
            Operation op = Operation.of(benchmark, params);
            if (op == null) {
                continue;
            }
            String variant = params.getString("variant", params.getString("style", "?"));
            JsonObject primary = r.getJsonObject("primaryMetric");
            if (!"ns/op".equals(primary.getString("scoreUnit"))) {
                throw new IllegalArgumentException(benchmark + ": score unit " + primary.getString("scoreUnit")
                        + " (expected: ns/op, the suite's average-time mode)");
            }
            JsonObject alloc = r.getJsonObject("secondaryMetrics", new JsonObject()).getJsonObject("gc.alloc.rate.norm");
            rows.add(new Row(op, variant, simpleClass(benchmark) + "." + method(benchmark), number(primary, "score"),
                    number(primary, "scoreError"), alloc == null ? Double.NaN : number(alloc, "score")));
        }
        rows.sort(Comparator.comparing(Row::operation).thenComparingInt(r -> {
            int i = VARIANT_ORDER.indexOf(r.variant());
            return i < 0 ? VARIANT_ORDER.size() : i;
        }).thenComparing(Row::variant));
        return new OpsTable(rows);
    }

    private static double number(JsonObject o, String key) {
        Object v = o.getValue(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN; // JMH writes "NaN" as a string
    }

    private static String simpleClass(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2] : benchmark;
    }

    private static String method(String benchmark) {
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    /** The table as aligned text: operation, variant, ns/op, ± error, B/op. */
    String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-14s %-20s %10s %9s %9s%n", "operation", "style/peer", "ns/op", "±", "B/op"));
        Operation last = null;
        for (Row r : rows) {
            if (last != null && r.operation() != last) {
                b.append('\n');
            }
            last = r.operation();
            b.append(String.format(Locale.ROOT, "%-14s %-20s %10s %9s %9s%n", r.operation().label, r.variant(),
                    fmt(r.ns(), 1), fmt(r.nsError(), 1), fmt(r.bytes(), 0)));
        }
        return b.toString();
    }

    private static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** The table as JSON: {@code meta} fields first (date, machine, command, versions), then the rows. */
    String json(List<String[]> meta) {
        Json j = new Json().open();
        for (String[] kv : meta) {
            j.field(kv[0], kv[1]);
        }
        j.key("rows").openArray();
        for (Row r : rows) {
            j.open().field("operation", r.operation().label).field("variant", r.variant())
                    .field("benchmark", r.benchmark()).field("nsPerOp", r.ns()).field("nsError", r.nsError())
                    .field("bytesPerOp", r.bytes()).close();
        }
        return j.closeArray().close().toString();
    }
}
