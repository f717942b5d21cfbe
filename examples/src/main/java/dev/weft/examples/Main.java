package dev.weft.examples;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The examples' front door: {@code ./weft example NAME [args]} runs one example by name; with no name
 * it lists them. Each entry is a class with a {@code main(String[])}.
 */
public final class Main {
    private Main() {}

    /** Example name -> what it shows and how to run it. In the order a reader should take them. */
    private static final Map<String, Entry> EXAMPLES = new LinkedHashMap<>();

    private record Entry(String summary, Runnable0 main) {}

    @FunctionalInterface
    private interface Runnable0 {
        void run(String[] args) throws Exception;
    }

    static {
        EXAMPLES.put("each-style", new Entry("the same operations (a task, a timer, a TCP echo) in each style",
                EachStyle::main));
        EXAMPLES.put("accounts", new Entry("one client in three styles: fan-out, a failure, a deadline (scopes)",
                dev.weft.examples.accounts.Accounts::main));
        EXAMPLES.put("gallery", new Entry("the pitfall gallery: naive vs fixed, measured side by side [--size small|full]",
                dev.weft.examples.pitfalls.Gallery::main));
        EXAMPLES.put("http", new Entry("an HTTP service with a route per style and /metrics ([--port 8080] [--loops N])",
                dev.weft.examples.http.HttpService::main));
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !EXAMPLES.containsKey(args[0])) {
            if (args.length > 0) {
                System.err.println("no example named '" + args[0] + "'");
            }
            System.out.println("usage: ./weft example NAME [args]; examples:");
            EXAMPLES.forEach((name, e) -> System.out.printf("  %-14s %s%n", name, e.summary()));
            if (args.length > 0) {
                System.exit(2);
            }
            return;
        }
        EXAMPLES.get(args[0]).main().run(Arrays.copyOfRange(args, 1, args.length));
    }
}
