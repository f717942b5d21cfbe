package dev.weft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bench.ScenarioOptions.Io;
import dev.weft.bench.ScenarioRunner.Result;
import dev.weft.core.LoopStats;
import dev.weft.coroutines.CoroutineStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The scenario at a tiny size: every variant does exactly the work asked, and the counters add up. No timings. */
class ScenarioTest {

    private static ScenarioOptions tiny(Io io, int loops) {
        ScenarioOptions o = new ScenarioOptions();
        o.n = 300;
        o.k = 7;
        o.io = io;
        o.loops = loops;
        o.reps = 2;
        o.warmup = 1;
        o.warmupMs = 0;
        o.deadlineMs = 60_000;
        return o;
    }

    @ParameterizedTest
    @EnumSource(Io.class)
    void everyVariantDoesTheSameWorkAndTheCountersAddUp(Io io) {
        for (int loops : new int[] {1, 2}) {
            ScenarioOptions o = tiny(io, loops);
            List<Result> results = new ScenarioRunner(o, null).runAll();
            assertEquals(Variant.DEFAULTS.stream().filter(v -> v.runsAt(io)).count(), results.size());
            long steps = (long) o.reps * o.n * o.k;
            long tasks = (long) o.reps * o.n;
            for (Result r : results) {
                String what = r.variant.label + " io=" + io + " loops=" + loops;
                assertNull(r.unavailable, what + " unavailable (this test JVM has --add-opens)");
                assertTrue(r.finished, what + " did not finish: " + r.tasksLeft + " left, " + r.failure);
                assertTrue(r.checksumOk, what + " checksum " + r.checksum + " != " + Steps.expectedChecksum(o.n, o.k));
                assertEquals(steps, r.steps, what);
                LoopStats l = r.loop;
                if (r.variant.isFloor()) {
                    assertEquals(0, l.succeeded() + l.failed(), what + ": a floor runs no Weft operation: " + l);
                    continue;
                }
                // Every step is one operation; every coroutine is one more (its own Op).
                assertEquals(steps + (r.variant.isCoroutine() ? tasks : 0), l.succeeded(), what + " ops completed: " + l);
                assertEquals(0, l.failed() + l.cancelled() + l.lateCompletions(), what + ": " + l);
                if (io == Io.TICK) {
                    // A tick completes on the loop's next iteration: K steps need K iterations per rep.
                    assertTrue(l.iterations() >= (long) o.reps * o.k, what + ": iterations " + l.iterations());
                }
                CoroutineStats c = r.coroutines;
                if (!r.variant.isCoroutine()) {
                    assertNull(c);
                    continue;
                }
                assertEquals(tasks, c.started(), what);
                assertEquals(tasks, c.completed(), what);
                boolean busy = r.variant == Variant.BUSY_YIELD || r.variant == Variant.BUSY_YIELD_DEFAULT;
                if (busy) {
                    assertEquals(0, c.resumes(), what + " suspended instead of polling");
                    if (r.variant.loopAffine()) {
                        // The loop that completes the operation is the thread running this coroutine: the
                        // first isDone() after starting it is always false, so every step yields at least once.
                        assertTrue(c.yields() >= steps, what + " yields " + c.yields() + " < steps " + steps);
                    } else {
                        // On the default scheduler the loop is another thread: it can complete a step's
                        // operation before the coroutine first looks (4199 yields for 4200 steps once, in
                        // a full test run), so at least one yield per step is not a rule there.
                        assertTrue(c.yields() > 0, what + " never yielded");
                    }
                } else {
                    assertEquals(steps, c.resumes(), what + ": one suspension per step");
                    assertEquals(0, c.yields(), what);
                    if (r.variant.loopAffine()) {
                        assertEquals(steps, c.resumesOnLoop(), what + ": every resume on the loop thread");
                    } else {
                        assertEquals(steps, c.resumesOffLoop(), what + ": every resume hops to a carrier");
                        assertTrue(l.crossThreadHandoffs() >= steps, what + ": every next step hops back: " + l);
                    }
                }
            }
        }
    }

    /**
     * The peers (--peers) do the same work as Weft's variants: every task finishes and the checksum is
     * the one Weft's variants must produce. The plain JDK has no framed TCP client: at tcp it is
     * reported unavailable with the reason, never silently skipped.
     */
    @ParameterizedTest
    @EnumSource(Io.class)
    void thePeersDoTheSameWorkAsWeftWithTheSameChecksum(Io io) throws Exception {
        for (int loops : new int[] {1, 2}) {
            ScenarioOptions o = tiny(io, loops);
            o.variants = new java.util.ArrayList<>(List.of(Variant.CALLBACKS));
            o.peers = true;
            o.variants.addAll(Variant.PEERS);
            List<Result> results = new ScenarioRunner(o, null).runAll();
            assertEquals(1 + Variant.PEERS.size(), results.size());
            long expected = Steps.expectedChecksum(o.n, o.k);
            assertEquals(expected, results.get(0).checksum, "callbacks");
            for (Result r : results) {
                String what = r.variant.label + " io=" + io + " loops=" + loops;
                if (io == Io.TCP && (r.variant == Variant.JDK_CF || r.variant == Variant.JDK_VT)) {
                    assertTrue(r.unavailable != null && r.unavailable.contains("TCP"), what + ": " + r.unavailable);
                    continue;
                }
                assertNull(r.unavailable, what);
                assertTrue(r.finished, what + " did not finish: " + r.tasksLeft + " left, " + r.failure);
                assertEquals(expected, r.checksum, what);
                assertTrue(r.checksumOk, what);
                assertEquals((long) o.reps * o.n * o.k, r.steps, what);
            }
        }
        ScenarioOptions parsed = ScenarioOptions.parse(new String[] {"--peers", "--variants", "callbacks"});
        assertEquals(1 + Variant.PEERS.size(), parsed.variants.size(), "--peers adds every peer after the variants");
    }

    @Test
    void aVariantPastItsDeadlineIsReportedAsNotFinishedWithTheTasksLeft() {
        ScenarioOptions o = tiny(Io.TICK, 1);
        o.n = 2000;
        o.k = 20;
        o.warmup = 0;
        o.reps = 1;
        // Busy-yield on the loop spends the loop's whole 1 ms drain budget on every step: 20 steps
        // cannot finish within 1 ms.
        o.deadlineMs = 1;
        o.variants = List.of(Variant.BUSY_YIELD);
        Result r = new ScenarioRunner(o, null).runAll().get(0);
        assertTrue(!r.finished, "finished within 1 ms?");
        assertTrue(r.tasksLeft > 0 && r.tasksLeft <= o.n, "tasks left: " + r.tasksLeft);
        Report report = new Report(o, List.of(r));
        String json = report.json();
        assertTrue(json.contains("\"finished\": false") && json.contains("\"tasks_left\": " + r.tasksLeft), json);
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        report.printTable(new PrintStream(table, true, StandardCharsets.UTF_8));
        assertTrue(table.toString(StandardCharsets.UTF_8).contains("did not finish: " + r.tasksLeft + " of 2000 tasks left"),
                table.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theCommandWritesTableJsonAndChartAndRejectsBadOptions(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("s.json");
        Path chart = dir.resolve("s.png");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.scenario(new String[] {"--n", "100", "--k", "3", "--reps", "1", "--warmup", "0", "--warmup-ms", "0",
                "--json", json.toString(), "--chart", chart.toString(), "--quiet"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        String table = out.toString(StandardCharsets.UTF_8);
        for (Variant v : Variant.DEFAULTS) {
            assertEquals(v.runsAt(Io.TICK), table.lines().anyMatch(l -> l.startsWith(v.label + " ")),
                    "table and " + v.label + " (a floor only at its --io)");
        }
        assertTrue(table.contains("212.58"), "the article's figure is printed beside the table");
        assertTrue(table.contains("x floor-vt (median / floor-vt's"), "the ratios to the JDK's floor are printed");
        String j = Files.readString(json);
        for (String key : new String[] {"\"params\"", "\"env\"", "\"variants\"", "\"median_ms\"", "\"min_ms\"",
                "\"max_ms\"", "\"ratio_to_callbacks\"", "\"ns_per_step\"", "\"checksum\"", "\"counters\"",
                "\"coroutines-busy-yield-default\"", "\"jvm\"", "\"cores\"", "\"date\""}) {
            assertTrue(j.contains(key), "JSON lacks " + key);
        }
        assertTrue(Files.size(chart) > 10_000, "chart too small to be a chart");

        ByteArrayOutputStream err2 = new ByteArrayOutputStream();
        int bad = Main.scenario(new String[] {"--io", "carrier-pigeon"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err2, true, StandardCharsets.UTF_8));
        assertEquals(2, bad);
        String line = err2.toString(StandardCharsets.UTF_8).trim();
        assertEquals(1, line.lines().count(), "one line: " + line);
        assertTrue(line.contains("--io"), line);
    }

    @Test
    void theOutputsOfOneRunGoTogetherAndAFolderThatDoesNotExistIsAOneLineError(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("x.json");
        int status = Main.scenario(new String[] {"--n", "50", "--k", "2", "--reps", "1", "--warmup", "0", "--warmup-ms", "0",
                "--variants", "callbacks", "--json", json.toString(), "--quiet"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
        assertEquals(0, status);
        assertTrue(Files.exists(dir.resolve("x.png")), "the chart goes beside --json");
        assertTrue(Files.exists(dir.resolve("x.txt")), "the text table goes beside --json");

        Path missing = dir.resolve("no/such/folder/y.json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int bad = Main.scenario(new String[] {"--json", missing.toString()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, bad);
        String line = err.toString(StandardCharsets.UTF_8).trim();
        assertEquals(1, line.lines().count(), "one line: " + line);
        assertTrue(line.contains("does not exist"), line);
        assertFalse(Files.exists(dir.resolve("no")), "a bad path must not create folders");

        ScenarioOptions defaults = ScenarioOptions.parse(new String[0]);
        assertEquals(Path.of("bench/runs/scenario-tick.json"), defaults.jsonPath(), "runs go to an untracked folder");
        assertEquals(Path.of("bench/results/scenario-tick.png"), ScenarioOptions.parse(new String[] {"--publish"}).chartPath());
    }

    @Test
    void cpusTakesATasksetListAndIsRefusedWhereNoWorkerJvmRuns() throws Exception {
        assertNull(ScenarioOptions.parse(new String[0]).cpus, "unconfined unless asked");
        ScenarioOptions.UsageException bad = org.junit.jupiter.api.Assertions.assertThrows(
                ScenarioOptions.UsageException.class, () -> ScenarioOptions.parse(new String[] {"--cpus", "zero"}));
        assertTrue(bad.getMessage().contains("'zero'") && bad.getMessage().contains("CPU list"), bad.getMessage());
        ScenarioOptions.UsageException both = org.junit.jupiter.api.Assertions.assertThrows(
                ScenarioOptions.UsageException.class,
                () -> ScenarioOptions.parse(new String[] {"--cpus", "0", "--in-process"}));
        assertTrue(both.getMessage().contains("--in-process"), both.getMessage());
        // Tests run from classes, not the bench jar: every variant would run in this JVM, unconfined.
        ScenarioOptions.UsageException noJar = org.junit.jupiter.api.Assertions.assertThrows(
                ScenarioOptions.UsageException.class, () -> ScenarioOptions.parse(new String[] {"--cpus", "0-1"}));
        assertTrue(noJar.getMessage().contains("bench jar"), noJar.getMessage());
    }
}
