package dev.bridge.host;

import dev.bridge.api.BridgeException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Writes portable values as JSON with exactly the bytes the Python host writes (its {@code dumps}: orjson, and the
 * standard library encoder for a value holding an integer beyond 64 bits), so that an output file or a report is
 * byte-for-byte the same under either host. Jackson differs from orjson in floats ({@code 1.0E16} for
 * {@code 1e+16}, and on JDK 17 not always the shortest digits) and in strings.
 *
 * <p>Floats: the shortest digits that read back as the same double (the digits Python's {@code repr} and orjson
 * both pick), laid out as orjson does: plain between 1e-5 and 1e16 ({@code 0.00001}, {@code 123456789.125},
 * {@code 1.0}, {@code -0.0}), else scientific ({@code 1e+16}, {@code 5e-324}, {@code 1.5e-7}); NaN and infinities
 * as {@code null}. With a big integer in the value, Python's {@code repr} layout ({@code 1e-05}, {@code 1.5e-07}).
 * Strings: raw UTF-8; only the quote, the backslash and control characters below U+0020 are escaped (the
 * short escapes for backspace, tab, newline, form feed and carriage return, else a six-character escape with
 * lower-case hex digits).
 */
final class PortableJson {
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger ULONG_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder out = new StringBuilder();
    private final boolean pythonRepr;

    private PortableJson(boolean pythonRepr) {
        this.pythonRepr = pythonRepr;
    }

    /** The JSON of a portable value, as UTF-8 bytes. */
    static byte[] bytes(Object value) {
        PortableJson json = new PortableJson(hasBigInteger(value));
        json.value(value);
        return json.out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Whether orjson refuses the value (an integer outside its 64-bit range), so Python writes it with json. */
    private static boolean hasBigInteger(Object value) {
        if (value instanceof BigInteger big) {
            return big.compareTo(LONG_MIN) < 0 || big.compareTo(ULONG_MAX) > 0;
        }
        if (value instanceof Map<?, ?> map) {
            for (Object item : map.values()) {
                if (hasBigInteger(item)) {
                    return true;
                }
            }
        } else if (value instanceof List<?> list) {
            for (Object item : list) {
                if (hasBigInteger(item)) {
                    return true;
                }
            }
        }
        return false;
    }

    private void value(Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            string(s);
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double d) {
            number(d);
        } else if (value instanceof Float f) {
            number(Double.parseDouble(Float.toString(f)));  // what it reads back as from Java's JSON
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte || value instanceof BigInteger) {
            out.append(value);
        } else if (value instanceof byte[] b) {
            out.append("{\"$bytes\":\"").append(Base64.getEncoder().encodeToString(b)).append("\"}");
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(String.valueOf(entry.getKey()));
                out.append(':');
                value(entry.getValue());
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                value(list.get(i));
            }
            out.append(']');
        } else {
            throw new BridgeException(value.getClass().getName() + " is not a portable value");
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private void number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            out.append("null");
            return;
        }
        if (d == 0) {
            out.append(1 / d < 0 ? "-0.0" : "0.0");
            return;
        }
        if (d < 0) {
            out.append('-');
            d = -d;
        }
        BigDecimal shortest = shortest(d);
        String digits = shortest.unscaledValue().toString();
        int length = digits.length();
        int point = length - shortest.scale();  // the value is 0.<digits> x 10^point
        boolean plain = pythonRepr ? point > -4 && point <= 16 : point > -5 && point <= 16;
        if (plain && point >= length) {  // 1234e2 -> 123400.0
            out.append(digits).append("0".repeat(point - length)).append(".0");
        } else if (plain && point > 0) {  // 1234e-2 -> 12.34
            out.append(digits, 0, point).append('.').append(digits, point, length);
        } else if (plain) {  // 1234e-6 -> 0.001234
            out.append("0.").append("0".repeat(-point)).append(digits);
        } else {  // 1234e30 -> 1.234e+33
            out.append(digits.charAt(0));
            if (length > 1) {
                out.append('.').append(digits, 1, length);
            }
            int exponent = point - 1;
            out.append('e').append(exponent < 0 ? '-' : '+');
            String magnitude = Integer.toString(Math.abs(exponent));
            if (pythonRepr && magnitude.length() < 2) {
                out.append('0');
            }
            out.append(magnitude);
        }
    }

    /**
     * The fewest significant digits that read back as {@code d} (positive, finite), rounded to nearest: the
     * nearest decimal of that many digits lies in the interval that reads back as {@code d} whenever any does.
     * (JDK 17's {@code Double.toString} sometimes gives a digit more; JDK 19 fixed that.)
     */
    private static BigDecimal shortest(double d) {
        BigDecimal exact = new BigDecimal(d);
        for (int precision = 1; precision < 17; precision++) {
            BigDecimal rounded = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
            if (rounded.doubleValue() == d) {
                return rounded.stripTrailingZeros();
            }
        }
        return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
    }
}
