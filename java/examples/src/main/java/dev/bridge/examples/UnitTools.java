package dev.bridge.examples;

import dev.bridge.api.Tool;
import dev.bridge.api.ToolParam;
import java.util.Locale;
import java.util.Map;

/** Example tools: unit conversion and a small arithmetic calculator. */
public class UnitTools {
    /** Factors to the base unit of each quantity: metres for length, kilograms for mass. */
    private static final Map<String, Double> LENGTH = Map.of("km", 1000.0, "mi", 1609.344, "m", 1.0, "ft", 0.3048);
    private static final Map<String, Double> MASS = Map.of("kg", 1.0, "lb", 0.45359237);
    private static final String KNOWN = "km, mi, m, ft, kg, lb, c, f";

    /** Converts a value between units; see {@link #convertStatic}. */
    @Tool(name = "convert", description = "Convert a value between units: km, mi, m, ft (length), kg, lb (mass),"
            + " c, f (temperature).")
    public double convert(
            @ToolParam(name = "value", description = "The value to convert") double value,
            @ToolParam(name = "from", description = "The unit of the value, e.g. km") String from,
            @ToolParam(name = "to", description = "The unit to convert to, e.g. mi") String to) {
        return convertStatic(value, from, to);
    }

    /**
     * Converts a value between units of the same quantity (the raw-call baseline of the benchmarks).
     *
     * @param value the value
     * @param from its unit: km, mi, m, ft, kg, lb, c or f (case-insensitive)
     * @param to the target unit, of the same quantity
     * @return the converted value
     * @throws IllegalArgumentException for an unknown unit or units of different quantities
     */
    public static double convertStatic(double value, String from, String to) {
        String source = unit(from);
        String target = unit(to);
        if (LENGTH.containsKey(source) && LENGTH.containsKey(target)) {
            return value * LENGTH.get(source) / LENGTH.get(target);
        }
        if (MASS.containsKey(source) && MASS.containsKey(target)) {
            return value * MASS.get(source) / MASS.get(target);
        }
        if (isTemperature(source) && isTemperature(target)) {
            double celsius = source.equals("c") ? value : (value - 32.0) * 5.0 / 9.0;
            return target.equals("c") ? celsius : celsius * 9.0 / 5.0 + 32.0;
        }
        throw new IllegalArgumentException("cannot convert " + source + " to " + target
                + ": they measure different quantities");
    }

    /** Evaluates an arithmetic expression; see {@link Calculator}. */
    @Tool(name = "calculate", description = "Evaluate an arithmetic expression with + - * /, parentheses and"
            + " decimals, e.g. (2 + 3) * 4.5")
    public double calculate(
            @ToolParam(name = "expression", description = "The expression to evaluate") String expression) {
        return new Calculator(expression).evaluate();
    }

    private static String unit(String unit) {
        String normalized = unit == null ? "" : unit.trim().toLowerCase(Locale.ROOT);
        if (!LENGTH.containsKey(normalized) && !MASS.containsKey(normalized) && !isTemperature(normalized)) {
            throw new IllegalArgumentException("unknown unit '" + unit + "' (known: " + KNOWN + ")");
        }
        return normalized;
    }

    private static boolean isTemperature(String unit) {
        return unit.equals("c") || unit.equals("f");
    }

    /**
     * A recursive-descent evaluator for {@code expr := term (('+'|'-') term)*},
     * {@code term := factor (('*'|'/') factor)*}, {@code factor := ('+'|'-') factor | number | '(' expr ')'}.
     */
    private static final class Calculator {
        private final String text;
        private int pos;

        Calculator(String text) {
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("empty expression");
            }
            this.text = text;
        }

        double evaluate() {
            double value = expression();
            skipSpaces();
            if (pos < text.length()) {
                throw error("unexpected '" + text.charAt(pos) + "'");
            }
            return value;
        }

        private double expression() {
            double value = term();
            for (char op = peek(); op == '+' || op == '-'; op = peek()) {
                pos++;
                value = op == '+' ? value + term() : value - term();
            }
            return value;
        }

        private double term() {
            double value = factor();
            for (char op = peek(); op == '*' || op == '/'; op = peek()) {
                pos++;
                double right = factor();
                if (op == '/' && right == 0.0) {
                    throw error("division by zero");
                }
                value = op == '*' ? value * right : value / right;
            }
            return value;
        }

        private double factor() {
            char c = peek();
            if (c == '+' || c == '-') {
                pos++;
                return c == '-' ? -factor() : factor();
            }
            if (c == '(') {
                pos++;
                double value = expression();
                if (peek() != ')') {
                    throw error("missing ')'");
                }
                pos++;
                return value;
            }
            int start = pos;
            while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
                pos++;
            }
            if (start == pos) {
                throw error(pos < text.length() ? "unexpected '" + text.charAt(pos) + "'" : "unexpected end");
            }
            try {
                return Double.parseDouble(text.substring(start, pos));
            } catch (NumberFormatException e) {
                throw error("bad number '" + text.substring(start, pos) + "'");
            }
        }

        private char peek() {
            skipSpaces();
            return pos < text.length() ? text.charAt(pos) : '\0';
        }

        private void skipSpaces() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private IllegalArgumentException error(String problem) {
            return new IllegalArgumentException("cannot calculate '" + text + "': " + problem + " at position " + pos);
        }
    }
}
