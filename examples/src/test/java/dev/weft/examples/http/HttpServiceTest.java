package dev.weft.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.LeakCheck;
import dev.weft.conformance.Waits;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP service on an ephemeral port, driven by the JDK's HTTP client: every route answers what
 * {@link Work} says, also with many requests at once (so the downstream connections pipeline), bad
 * input is refused with a status naming it, /metrics is Prometheus text with Weft's loop and TCP
 * meters, and close leaves no thread and no leaked buffer.
 */
class HttpServiceTest {

    @BeforeAll
    static void listenForLeaks() {
        LeakCheck.install();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyRouteAnswersAndTheServiceClosesClean() throws Exception {
        HttpService service = HttpService.start(0, 2);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String base = "http://127.0.0.1:" + service.address().getPort();
            for (String style : List.of("cb", "cf", "co")) {
                HttpResponse<String> r = get(client, base + "/" + style + "/work?n=500");
                assertEquals(200, r.statusCode(), r.body());
                long digest = Work.digest(500);
                assertEquals(Work.body(style, 500, digest, Work.downstream(digest)), r.body());
            }
            assertEquals(Work.body("floor", 500, Work.digest(500), 0), get(client, base + "/floor/work?n=500").body());

            // Many at once, over several HTTP connections on both loops: each answer is its own.
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String style = List.of("cb", "cf", "co").get(i % 3);
                inFlight.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/" + style + "/work?n=" + i)).build(),
                        HttpResponse.BodyHandlers.ofString()));
                expected.add(Work.body(style, i, Work.digest(i), Work.downstream(Work.digest(i))));
            }
            for (int i = 0; i < inFlight.size(); i++) {
                HttpResponse<String> r = inFlight.get(i).get(20, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(expected.get(i), r.body());
            }

            HttpResponse<String> bad = get(client, base + "/cb/work?n=-1");
            assertEquals(400, bad.statusCode());
            assertEquals("n: -1 (expected: 0.." + Work.MAX_N + ")\n", bad.body());
            HttpResponse<String> missing = get(client, base + "/nope");
            assertEquals(404, missing.statusCode());
            assertTrue(missing.body().contains("/co/work"), missing.body());

            HttpResponse<String> metrics = get(client, base + "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"),
                    metrics.headers().toString());
            String text = metrics.body();
            for (String sample : List.of(
                    "weft_loop_lag_seconds_count{loop=\"0\",runtime=\"http\"}",
                    "weft_loop_lag_seconds_max{loop=\"1\",runtime=\"http\"}",
                    "weft_tcp_connections{runtime=\"http\",side=\"client\"} 2",
                    "weft_tcp_connections{runtime=\"http\",side=\"server\"} 2",
                    "weft_tcp_requests_total{runtime=\"http\",side=\"server\"} 63",
                    "weft_tcp_request_latency_seconds_count{runtime=\"http\",side=\"client\"} 63",
                    "weft_style_ops_total{runtime=\"http\",style=\"coroutines\"}")) {
                assertTrue(text.contains(sample), () -> "no " + sample + " in the scrape:\n" + text);
            }
        } finally {
            service.close();
        }
        service.close(); // idempotent
        Waits.assertNoThreadsLeft(service.runtime(), service.coroutines().liveCoroutines());
        LeakCheck.assertNoLeaks();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aPortInUseFailsTheStartAndLeavesNothingRunning() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Exception e = assertThrows(Exception.class, () -> HttpService.start(taken.getLocalPort(), 1));
            assertTrue(String.valueOf(e.getMessage()).contains("Address already in use"), e::toString);
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(t.getName().startsWith("http-") && t.isAlive(), () -> "left running: " + t);
        }
    }

    private static HttpResponse<String> get(HttpClient client, String uri) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
