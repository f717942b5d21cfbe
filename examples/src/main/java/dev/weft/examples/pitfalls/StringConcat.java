package dev.weft.examples.pitfalls;

/**
 * Building a reply with {@code +=} in a loop: each step copies everything built so far into a new
 * string, so n lines cost O(n^2) bytes copied. Fixed: one {@code StringBuilder}, O(n).
 */
final class StringConcat extends Pitfall {
    private final int lines;

    StringConcat(Size size) {
        super("string += in a loop", "each += copies the whole string so far: O(n^2); a StringBuilder appends in place");
        lines = pick(size, 500, 10_000);
    }

    @Override
    Object naive() {
        String reply = "";
        for (int i = 0; i < lines; i++) {
            reply += "item " + i + ": ok\n";
        }
        return reply.length() + "/" + reply.hashCode();
    }

    @Override
    Object fixed() {
        StringBuilder reply = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            reply.append("item ").append(i).append(": ok\n");
        }
        String s = reply.toString();
        return s.length() + "/" + s.hashCode();
    }

    @Override
    String timeMeans() {
        return "a reply of " + lines + " lines";
    }
}
