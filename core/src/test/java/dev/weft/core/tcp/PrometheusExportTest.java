package dev.weft.core.tcp;

import static dev.weft.conformance.Waits.await;
import static dev.weft.conformance.Waits.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.conformance.LeakCheck;
import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.WeftRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Weft's meters as a Prometheus scrape sees them: a TCP echo, a few operations and an offload on a
 * runtime with a {@link PrometheusMeterRegistry}, then the text format parsed back and checked for
 * names (dots become underscores, counters end in {@code _total}, timers in {@code _seconds}),
 * labels and the values of what happened.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrometheusExportTest {

    /** One sample line of the text format: {@code name{label="value",...} value}. */
    record Sample(String name, Map<String, String> labels, double value) {}

    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+\\S+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @BeforeAll
    static void listenForLeaks() {
        LeakCheck.install();
    }

    static List<Sample> parse(String scrape) {
        List<Sample> samples = new ArrayList<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                fail("not a sample line of the Prometheus text format: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return samples;
    }

    /** The sum of the samples named {@code name} whose labels include {@code labels}; fails if there is none. */
    static double value(List<Sample> samples, String name, String... labels) {
        double sum = 0;
        boolean found = false;
        for (Sample s : samples) {
            if (!s.name.equals(name)) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < labels.length; i += 2) {
                match &= labels[i + 1].equals(s.labels.get(labels[i]));
            }
            if (match) {
                sum += s.value;
                found = true;
            }
        }
        if (!found) {
            fail("no sample " + name + " " + List.of(labels) + " in the scrape; samples named so: "
                    + samples.stream().filter(s -> s.name.equals(name)).toList());
        }
        return sum;
    }


    @Test
    void aScrapeShowsTheTcpLoopAndWorkerMetersWithTheirLabelsAndValues() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        String scrape;
        try (WeftRuntime rt = WeftRuntime.builder().loops(2).name("prom").meterRegistry(registry).build()) {
            TcpServer server = await(TcpServer.bind(rt.loop(0), TcpOptions.defaults(),
                    x -> x.reply(x.request().retain()), null));
            TcpConnection c = await(TcpConnection.connect(rt.loop(1), server.localAddress(), TcpOptions.defaults(), null));
            for (int i = 0; i < 3; i++) {
                ByteBuf reply = await(c.request(Unpooled.copiedBuffer("ping", StandardCharsets.UTF_8), null));
                reply.release();
            }
            Loop loop = rt.loop(0);
            for (int i = 0; i < 3; i++) {
                int n = i;
                assertEquals(n, (int) await(loop.submit(() -> n, null)));
            }
            assertEquals("offloaded", await(loop.offload(() -> "offloaded", null)));
            awaitTrue(() -> server.connections() == 1, "the server did not count its connection");
            // The pool counts a task completed after it returns, which may be after its result reached
            // us: wait (bounded) for the count, as a scrape a moment later would show it.
            awaitTrue(() -> value(parse(registry.scrape()), "executor_completed_tasks_total",
                    "runtime", "prom", "name", "weft.workers") == 1, "the worker pool did not count its task");
            scrape = registry.scrape();
        }
        List<Sample> s = parse(scrape);

        // TCP, both sides: 3 requests of 4 bytes, so 3 frames of 8 bytes each way.
        for (String side : new String[] {"client", "server"}) {
            String[] tags = {"runtime", "prom", "side", side};
            assertEquals(1, value(s, "weft_tcp_connections", tags), side);
            assertEquals(1, value(s, "weft_tcp_connections_opened_total", tags), side);
            assertEquals(0, value(s, "weft_tcp_connections_closed_total", tags), side);
            assertEquals(0, value(s, "weft_tcp_connections_closed_total", "runtime", "prom", "side", side, "reason", "peer"));
            assertEquals(24, value(s, "weft_tcp_bytes_received_bytes_total", tags), side);
            assertEquals(24, value(s, "weft_tcp_bytes_sent_bytes_total", tags), side);
            assertEquals(3, value(s, "weft_tcp_requests_total", tags), side);
            assertEquals(3, value(s, "weft_tcp_replies_total", tags), side);
            assertEquals(0, value(s, "weft_tcp_frames_refused_total", "runtime", "prom", "side", side, "reason", "busy"));
            assertEquals(3, value(s, "weft_tcp_request_latency_seconds_count", tags), side);
            assertTrue(value(s, "weft_tcp_request_latency_seconds_sum", tags) > 0, side);
            assertEquals(3, value(s, "weft_tcp_request_latency_seconds_bucket",
                    "runtime", "prom", "side", side, "le", "+Inf"), side + ": the histogram's +Inf bucket");
        }
        // Loops: the operations (the submits, the offload, the TCP ones), per loop and outcome.
        assertTrue(value(s, "weft_ops_total", "runtime", "prom", "loop", "0", "outcome", "success") >= 4);
        assertTrue(value(s, "weft_loop_tasks_total", "runtime", "prom", "loop", "0") > 0);
        // Workers: Micrometer's executor meters, and Weft's rejection counter.
        assertEquals(1, value(s, "executor_completed_tasks_total", "runtime", "prom", "name", "weft.workers"));
        assertEquals(0, value(s, "executor_queued_tasks", "runtime", "prom", "name", "weft.workers"));
        assertEquals(0, value(s, "weft_workers_rejected_tasks_total", "runtime", "prom"));
    }
}
