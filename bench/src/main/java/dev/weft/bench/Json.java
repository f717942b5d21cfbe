package dev.weft.bench;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/** A tiny JSON writer for the report's fixed shape (commas, indentation and escaping handled once). */
final class Json {
    private final StringBuilder b = new StringBuilder();
    /** Per open container: whether it has no element yet. */
    private final Deque<Boolean> empty = new ArrayDeque<>();
    private boolean afterKey;

    Json open() {
        beforeValue();
        b.append('{');
        empty.push(true);
        return this;
    }

    Json close() {
        return end('}');
    }

    Json openArray() {
        beforeValue();
        b.append('[');
        empty.push(true);
        return this;
    }

    Json closeArray() {
        return end(']');
    }

    private Json end(char c) {
        boolean wasEmpty = empty.pop();
        if (!wasEmpty) {
            newline();
        }
        b.append(c);
        return this;
    }

    Json key(String k) {
        beforeValue();
        string(k);
        b.append(": ");
        afterKey = true;
        return this;
    }

    Json field(String k, String v) {
        key(k);
        beforeValue();
        string(v);
        return this;
    }

    Json field(String k, long v) {
        key(k);
        beforeValue();
        b.append(v);
        return this;
    }

    Json field(String k, double v) {
        key(k);
        beforeValue();
        b.append(Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.4f", v));
        return this;
    }

    Json field(String k, boolean v) {
        key(k);
        beforeValue();
        b.append(v);
        return this;
    }

    /** An array of nanosecond values written as milliseconds. */
    Json fieldArray(String k, long[] nanos) {
        key(k);
        beforeValue();
        b.append('[');
        for (int i = 0; i < nanos.length; i++) {
            b.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.4f", nanos[i] / 1e6));
        }
        b.append(']');
        return this;
    }

    private void beforeValue() {
        if (afterKey) {
            afterKey = false;
            return;
        }
        if (!empty.isEmpty()) {
            if (!empty.pop()) {
                b.append(',');
            }
            empty.push(false);
            newline();
        }
    }

    private void newline() {
        b.append('\n').append("  ".repeat(empty.size()));
    }

    private void string(String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    @Override
    public String toString() {
        return b + "\n";
    }
}
