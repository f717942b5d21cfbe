package dev.weft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-operation table built from a small JMH result in JMH's own JSON shape: rows, order, text, JSON. No timings. */
class OpsTableTest {

    /** One JMH result entry as {@code -rf json} writes it (the fields the table reads, plus a few it ignores). */
    private static String entry(String benchmark, String params, String score, String error, String bytes) {
        String gc = bytes == null ? "" : """
                , "secondaryMetrics" : {
                    "gc.alloc.rate" : { "score" : 512.5, "scoreError" : 1.0, "scoreUnit" : "MB/sec" },
                    "gc.alloc.rate.norm" : { "score" : %s, "scoreError" : 0.01, "scoreUnit" : "B/op" }
                }""".formatted(bytes);
        return """
                {
                    "jmhVersion" : "1.37",
                    "benchmark" : "dev.weft.bench.jmh.%s",
                    "mode" : "avgt",
                    "forks" : 1,
                    "params" : { %s },
                    "primaryMetric" : { "score" : %s, "scoreError" : %s, "scoreUnit" : "ns/op", "rawData" : [[1.0, 2.0]] }%s
                }""".formatted(benchmark, params, score, error, gc);
    }

    private static final String RESULT = "[" + String.join(",",
            entry("SuspendResumeBenchmark.chain", "\"style\" : \"jdk-executor\"", "100.25", "3.5", "16.0"),
            entry("AwaitBenchmark.await", "\"state\" : \"pending\", \"variant\" : \"reactor-mono\"", "900.0", "10.0", "300.0"),
            entry("AwaitBenchmark.await", "\"state\" : \"done\", \"variant\" : \"futures\"", "55.55", "\"NaN\"", "120.0"),
            entry("AwaitBenchmark.await", "\"state\" : \"done\", \"variant\" : \"coroutines-loop\"", "60.0", "2.0", "65.0"),
            entry("AwaitBenchmark.await", "\"state\" : \"done\", \"variant\" : \"callbacks\"", "40.0", "1.25", "48.0"),
            entry("ContextHopBenchmark.chain", "\"context\" : \"off\", \"style\" : \"callbacks\"", "300.0", "5.0", "48.0"),
            entry("AllAnyBenchmark.fanOut", "\"combinator\" : \"any\", \"variant\" : \"callbacks\"", "4000.0", "50.0", null),
            entry("SuspendResumeBenchmark.chain", "\"style\" : \"callbacks\"", "200.0", "4.0", "40.0")) + "]";

    @Test
    void rowsAreTheSuitesResultsInOperationThenVariantOrder() {
        OpsTable t = OpsTable.fromJmhJson(RESULT);
        // ContextHop is not in the suite: skipped. Order: await-done, await-pending, hop, any-of-10;
        // within an operation Weft's styles first, then baselines and peers.
        List<String> got = t.rows.stream().map(r -> r.operation().label + " " + r.variant()).toList();
        assertEquals(List.of("await-done callbacks", "await-done futures", "await-done coroutines-loop",
                "await-pending reactor-mono",
                "hop callbacks", "hop jdk-executor", "any-of-10 callbacks"), got);
        OpsTable.Row futures = t.rows.get(1);
        assertEquals(55.55, futures.ns());
        assertTrue(Double.isNaN(futures.nsError()), "JMH writes an unknown error as the string NaN");
        assertEquals(120.0, futures.bytes());
        assertEquals("AwaitBenchmark.await", futures.benchmark());
        assertTrue(Double.isNaN(t.rows.get(6).bytes()), "no -prof gc: no bytes");
    }

    @Test
    void textHasOneAlignedLinePerRowAndABlankLineBetweenOperations() {
        String[] lines = OpsTable.fromJmhJson(RESULT).text().split("\n", -1);
        assertTrue(lines[0].matches("operation\\s+style/peer\\s+ns/op\\s+±\\s+B/op"), lines[0]);
        assertTrue(lines[1].matches("await-done\\s+callbacks\\s+40\\.0\\s+1\\.3\\s+48"), lines[1]);
        assertTrue(lines[2].matches("await-done\\s+futures\\s+55\\.6\\s+-\\s+120"), lines[2]);
        assertTrue(lines[3].matches("await-done\\s+coroutines-loop\\s+60\\.0\\s+2\\.0\\s+65"), lines[3]);
        assertEquals("", lines[4]);
        assertTrue(lines[5].matches("await-pending\\s+reactor-mono\\s+900\\.0\\s+10\\.0\\s+300"), lines[5]);
        assertTrue(lines[10].matches("any-of-10\\s+callbacks\\s+4000\\.0\\s+50\\.0\\s+-"), lines[10]);
        assertEquals(lines[1].length(), lines[2].length(), "columns aligned");
    }

    @Test
    void jsonCarriesTheMetaAndEveryRow() {
        OpsTable t = OpsTable.fromJmhJson(RESULT);
        JsonObject j = new JsonObject(t.json(List.of(new String[] {"date", "2026-11-29"}, new String[] {"machine", "2 cores"})));
        assertEquals("2026-11-29", j.getString("date"));
        assertEquals("2 cores", j.getString("machine"));
        JsonArray rows = j.getJsonArray("rows");
        assertEquals(7, rows.size());
        JsonObject first = rows.getJsonObject(0);
        assertEquals("await-done", first.getString("operation"));
        assertEquals("callbacks", first.getString("variant"));
        assertEquals("AwaitBenchmark.await", first.getString("benchmark"));
        assertEquals(40.0, first.getDouble("nsPerOp"));
        assertEquals(1.25, first.getDouble("nsError"));
        assertEquals(48.0, first.getDouble("bytesPerOp"));
        assertEquals(null, rows.getJsonObject(1).getValue("nsError"), "NaN is written as null");
        assertEquals(null, rows.getJsonObject(6).getValue("bytesPerOp"));
    }

    @Test
    void theSuitesIncludePatternSelectsItsBenchmarksOnly() {
        Pattern p = Pattern.compile(OpsTable.Operation.includeAll());
        for (String b : List.of("AwaitBenchmark.await", "SuspendResumeBenchmark.chain", "TimerBenchmark.timer",
                "AllAnyBenchmark.fanOut", "LaunchBenchmark.launch", "TcpRequestReplyBenchmark.requestReply")) {
            assertTrue(p.matcher("dev.weft.bench.jmh." + b).find(), b);
        }
        for (String b : List.of("TimerArmBenchmark.armAndCancel", "ContextHopBenchmark.chain", "ScopeCostBenchmark.scope")) {
            assertFalse(p.matcher("dev.weft.bench.jmh." + b).find(), b);
        }
    }

    @Test
    void opsFromAResultFileWritesTheTableAsTextAndJson(@TempDir Path dir) throws Exception {
        Path raw = dir.resolve("raw.json");
        Files.writeString(raw, RESULT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = OpsSuite.run(new String[] {"--from", raw.toString(), "--out", dir.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        String txt = Files.readString(dir.resolve("jmh-ops.txt"));
        assertTrue(txt.startsWith("per-operation costs (JMH, -prof gc), "), txt);
        assertTrue(txt.contains("Vert.x "), "the peers' versions are named: " + txt);
        assertTrue(txt.contains(OpsTable.fromJmhJson(RESULT).text()), txt);
        JsonObject j = new JsonObject(Files.readString(dir.resolve("jmh-ops.json")));
        assertEquals(7, j.getJsonArray("rows").size());
        assertEquals(raw.toString(), j.getString("jmhResult"));
    }

    @Test
    void badUsageIsRefusedWithStatus2() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, OpsSuite.run(new String[] {"--bogus"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option '--bogus'"));
        assertEquals(2, OpsSuite.run(new String[] {"--only"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--only needs a value"));
    }
}
