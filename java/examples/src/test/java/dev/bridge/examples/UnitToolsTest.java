package dev.bridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.runtime.JavaResources;
import dev.bridge.runtime.JavaTool;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnitToolsTest {
    private final UnitTools tools = new UnitTools();

    @Test
    void shouldConvertLengthsMassesAndTemperatures() {
        assertEquals(6.2137, tools.convert(10, "km", "mi"), 1e-4);
        assertEquals(3.048, tools.convert(10, "ft", "m"), 1e-9);
        assertEquals(2.2046, tools.convert(1, "KG", "lb"), 1e-4);
        assertEquals(212.0, tools.convert(100, "c", "f"), 1e-9);
        assertEquals(-40.0, tools.convert(-40, "f", "c"), 1e-9);
        assertEquals(5.0, tools.convert(5, "m", "m"), 0);
    }

    @Test
    void shouldConvertTheSameWayStatically() {
        assertEquals(tools.convert(3, "mi", "km"), UnitTools.convertStatic(3, "mi", "km"), 0);
    }

    @Test
    void shouldNameAnUnknownUnit() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> tools.convert(1, "parsec", "km"));

        assertEquals("unknown unit 'parsec' (known: km, mi, m, ft, kg, lb, c, f)", error.getMessage());
    }

    @Test
    void shouldRefuseToConvertBetweenQuantities() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> tools.convert(1, "km", "kg"));

        assertTrue(error.getMessage().contains("different quantities"), error.getMessage());
    }

    @Test
    void shouldCalculateWithPrecedenceParenthesesAndDecimals() {
        assertEquals(14.0, tools.calculate("2 + 3 * 4"), 0);
        assertEquals(22.5, tools.calculate("(2 + 3) * 4.5"), 0);
        assertEquals(-1.5, tools.calculate("-(3 / 2)"), 0);
        assertEquals(2.0, tools.calculate("8 / 2 / 2"), 0);
        assertEquals(1.0, tools.calculate("5 - 3 - 1"), 0);
    }

    @Test
    void shouldNameWhatIsWrongWithAnExpression() {
        assertEquals("cannot calculate '2 +': unexpected end at position 3",
                assertThrows(IllegalArgumentException.class, () -> tools.calculate("2 +")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> tools.calculate("(1 + 2"))
                .getMessage().contains("missing ')'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> tools.calculate("1 / 0"))
                .getMessage().contains("division by zero"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> tools.calculate("2 x 3"))
                .getMessage().contains("unexpected 'x'"));
    }

    @Test
    void shouldBeCallableAsJsonTools() {
        List<JavaTool> found = JavaResources.tools(tools);

        assertEquals(List.of("calculate", "convert"), found.stream().map(JavaTool::getName).toList());
        assertEquals("2.5", found.get(0).callJson("{\"expression\":\"5 / 2\"}"));
        assertEquals(1000.0, Double.parseDouble(found.get(1).callJson("{\"value\":1,\"from\":\"km\",\"to\":\"m\"}")));
    }
}
