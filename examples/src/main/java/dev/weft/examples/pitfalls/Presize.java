package dev.weft.examples.pitfalls;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Growing collections from empty when the size is known: an {@code ArrayList} copies its array at
 * every growth step and a {@code HashMap} rehashes every entry each time it doubles. Fixed: size them
 * up front ({@code new ArrayList<>(n)}, {@code HashMap.newHashMap(n)}).
 */
final class Presize extends Pitfall {
    private final int n;
    /** The keys and values, boxed once here, so that the runs time the collections, not the boxing. */
    private final Integer[] boxed;

    Presize(Size size) {
        super("growing collections from empty", "growth copies the array / rehashes the map log(n) times; pre-sized, they are built once");
        n = pick(size, 10_000, 300_000);
        boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
    }

    @Override
    Object naive() {
        return fill(new ArrayList<>(), new HashMap<>());
    }

    @Override
    Object fixed() {
        return fill(new ArrayList<>(n), HashMap.newHashMap(n));
    }

    private long fill(List<Integer> list, Map<Integer, Integer> map) {
        for (Integer i : boxed) {
            list.add(i);
            map.put(i, i);
        }
        return list.size() + map.size() + (long) list.get(n - 1) + map.get(n / 2);
    }

    @Override
    String timeMeans() {
        return String.format("an ArrayList and a HashMap of %,d entries", n);
    }
}
