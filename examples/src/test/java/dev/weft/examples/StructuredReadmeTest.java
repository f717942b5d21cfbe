package dev.weft.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.callbacks.Callbacks;
import dev.weft.core.OperationTimeoutException;
import dev.weft.core.Promise;
import dev.weft.core.WeftContext;
import dev.weft.core.WeftRuntime;
import dev.weft.coroutines.Coroutine;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import dev.weft.futures.WeftFuture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's "Scopes", "Deadlines" and "Context propagation" examples, as written there (with
 * {@code loadA}/{@code loadB} standing in for the reader's own work), and what each one promises.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StructuredReadmeTest {
    static final WeftContext.Key<String> REQUEST = WeftContext.key("request");

    private WeftRuntime rt;
    private Callbacks cb;
    private Futures fu;
    private Coroutines co;

    @BeforeEach
    void start() {
        rt = WeftRuntime.builder().loops(1).build();
        cb = Callbacks.of(rt);
        fu = Futures.of(rt);
        co = Coroutines.of(rt);
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    static String loadA() {
        return "a";
    }

    static String loadB() {
        return "b";
    }

    @Test
    void aCallbackScopeWaitsForWhatItsBodyStarted() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CompletableFuture<String> outcome = new CompletableFuture<>();
        cb.<String>scope(Duration.ofSeconds(2), (scoped, done) -> {
            scoped.submit(() -> loadA(), (a, e) -> log.add(a));
            scoped.offload(() -> loadB(), (b, e) -> log.add(b));
            done.onComplete("ok", null);           // the scope still waits for both
        }, (result, failure) -> {
            log.add("scope ended");
            outcome.complete(result);
        });
        assertEquals("ok", outcome.get(20, TimeUnit.SECONDS));
        assertEquals("scope ended", log.get(2), "the scope ended before its children: " + log);
    }

    @Test
    void aFutureScopeCombinesItsChildren() throws Exception {
        WeftFuture<String> ab = fu.scope(scoped -> {
            WeftFuture<String> a = scoped.submit(() -> loadA());
            WeftFuture<String> b = scoped.offload(() -> loadB());
            return a.thenCombine(b, String::concat);   // b failing cancels a
        });
        assertEquals("ab", ab.get(20, TimeUnit.SECONDS));
    }

    @Test
    void aCoroutineScopeReturnsWhatItsBodyReturns() throws Exception {
        Coroutine<String> caller = co.launch(() -> co.scope(Duration.ofSeconds(2), () -> {
            Coroutine<String> a = co.launch(() -> loadA());
            String b = co.offload(() -> loadB());      // throwing here cancels a
            return co.await(a) + b;
        }));
        assertEquals("ab", co.await(caller));
    }

    @Test
    void aDeadlineInEachStyleCancelsTheOperationAndNamesTheLimit() throws Exception {
        Promise<String> never1 = rt.loop().promise(null);
        CompletableFuture<Throwable> viaCallbacks = new CompletableFuture<>();
        cb.await(never1, Duration.ofMillis(20), (v, err) -> viaCallbacks.complete(err));
        assertInstanceOf(OperationTimeoutException.class, viaCallbacks.get(20, TimeUnit.SECONDS));

        Promise<String> never2 = rt.loop().promise(null);
        ExecutionException viaFutures = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> fu.from(never2, Duration.ofMillis(20)).get(20, TimeUnit.SECONDS));
        assertInstanceOf(OperationTimeoutException.class, viaFutures.getCause());

        Coroutine<String> viaCoroutines = co.launch(() -> co.withTimeout(Duration.ofMillis(20), () -> {
            co.delay(Duration.ofSeconds(30));   // the suspension the deadline cancels
            return "too late";
        }));
        OperationTimeoutException t = org.junit.jupiter.api.Assertions.assertThrows(
                OperationTimeoutException.class, viaCoroutines::join);
        assertTrue(t.getMessage().contains("PT0.02S"), t.getMessage());
        assertTrue(never1.isCancelled() && never2.isCancelled(), "a deadline left its operation running");
    }

    @Test
    void aContextReachesEveryContinuationInEachStyle() throws Exception {
        CompletableFuture<String> viaCallbacks = new CompletableFuture<>();
        WeftContext.current().with(REQUEST, "r-1").run(() ->
                cb.offload(() -> WeftContext.current().get(REQUEST),
                        (v, err) -> viaCallbacks.complete(v + "/" + WeftContext.current().get(REQUEST))));
        assertEquals("r-1/r-1", viaCallbacks.get(20, TimeUnit.SECONDS));

        CompletableFuture<String> viaFutures = new CompletableFuture<>();
        WeftContext.current().with(REQUEST, "r-2").run(() ->
                fu.submit(() -> 6 * 7).thenCompose(v -> fu.offload(() -> v + WeftContext.current().get(REQUEST)))
                        .thenAccept(v -> viaFutures.complete(v + "/" + WeftContext.current().get(REQUEST))));
        assertEquals("42r-2/r-2", viaFutures.get(20, TimeUnit.SECONDS));

        Coroutine<String> viaCoroutines = WeftContext.current().with(REQUEST, "r-3").call(() -> co.launch(() -> {
            co.delay(Duration.ofMillis(10));
            return co.offload(() -> WeftContext.current().get(REQUEST));   // "r-3", on a worker
        }));
        assertEquals("r-3", co.await(viaCoroutines));
        assertEquals(null, WeftContext.current().get(REQUEST), "the test thread kept a context");
    }
}
