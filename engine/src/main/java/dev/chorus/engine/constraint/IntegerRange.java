package dev.chorus.engine.constraint;

import java.util.ArrayList;
import java.util.List;

/**
 * A GBNF expression for the decimal integers from {@code low} to {@code high} as JSON writes them (an optional minus,
 * no leading zeros, no {@code -0}): a bounded integer schema ({@code minimum}, {@code maximum} and their exclusive
 * forms) as a grammar, so a constrained answer is always in range. Within each digit count, a range of equal-length
 * numbers is the numbers sharing its bounds' common prefix, then the lower bound's digit followed by anything up to
 * its end, the digits between followed by any digits, and the upper bound's digit followed by anything down to its
 * end; the expression's size grows with the square of the digit count, never with the range.
 */
final class IntegerRange {
    /** The most digits of an integer (as the unbounded {@code integer} rule). */
    static final int MAX_DIGITS = 16;
    /** The largest magnitude of {@value #MAX_DIGITS} digits, the bound of a side the schema leaves open. */
    static final long LIMIT = 9_999_999_999_999_999L;

    private IntegerRange() {
    }

    /**
     * The expression for {@code [low, high]}.
     *
     * @throws IllegalArgumentException when {@code low > high} or a bound has more than {@value #MAX_DIGITS} digits
     */
    static String of(long low, long high) {
        if (low > high || low < -LIMIT || high > LIMIT) {
            throw new IllegalArgumentException("no range of at most " + MAX_DIGITS + " digits from " + low + " to "
                    + high);
        }
        List<String> signs = new ArrayList<>(2);
        if (low < 0) {
            signs.add("\"-\" " + naturals(Math.max(1, -Math.min(high, -1)), -low));
        }
        if (high >= 0) {
            signs.add(naturals(Math.max(0, low), high));
        }
        return group(signs);
    }

    /** {@code [from, to]}, both at least 0: one alternative per digit count. */
    private static String naturals(long from, long to) {
        List<String> lengths = new ArrayList<>();
        for (int digits = digits(from); digits <= digits(to); digits++) {
            long smallest = digits == 1 ? 0 : pow10(digits - 1);
            long largest = pow10(digits) - 1;
            lengths.add(sameLength(Long.toString(Math.max(from, smallest)), Long.toString(Math.min(to, largest))));
        }
        return group(lengths);
    }

    /** The numbers from {@code low} to {@code high}, strings of one length with {@code low <= high}. */
    private static String sameLength(String low, String high) {
        int shared = 0;
        while (shared < low.length() && low.charAt(shared) == high.charAt(shared)) {
            shared++;
        }
        if (shared == low.length()) {
            return literal(low);
        }
        String prefix = shared == 0 ? "" : literal(low.substring(0, shared)) + " ";
        char first = low.charAt(shared);
        char last = high.charAt(shared);
        String lowRest = low.substring(shared + 1);
        String highRest = high.substring(shared + 1);
        int rest = lowRest.length();
        // A bound whose rest is all zeros (low) or all nines (high) joins the digits in between.
        boolean lowWhole = lowRest.chars().allMatch(c -> c == '0');
        boolean highWhole = highRest.chars().allMatch(c -> c == '9');
        List<String> parts = new ArrayList<>(3);
        if (!lowWhole) {
            parts.add(literal(String.valueOf(first)) + " " + sameLength(lowRest, "9".repeat(rest)));
        }
        char from = lowWhole ? first : (char) (first + 1);
        char to = highWhole ? last : (char) (last - 1);
        if (from <= to) {
            parts.add(digitClass(from, to) + anyDigits(rest));
        }
        if (!highWhole) {
            parts.add(literal(String.valueOf(last)) + " " + sameLength("0".repeat(rest), highRest));
        }
        return prefix + group(parts);
    }

    private static String group(List<String> alternatives) {
        return alternatives.size() == 1 ? alternatives.getFirst() : "(" + String.join(" | ", alternatives) + ")";
    }

    private static String literal(String digits) {
        return "\"" + digits + "\"";
    }

    private static String digitClass(char from, char to) {
        return from == to ? literal(String.valueOf(from)) : "[" + from + "-" + to + "]";
    }

    private static String anyDigits(int count) {
        return count == 0 ? "" : " [0-9]{" + count + "}";
    }

    private static int digits(long value) {
        return Long.toString(value).length();
    }

    private static long pow10(int exponent) {
        long value = 1;
        for (int i = 0; i < exponent; i++) {
            value *= 10;
        }
        return value;
    }
}
