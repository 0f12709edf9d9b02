package dev.fanout.internal;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mapper a client builds when none is given: Jackson's fast number parsers on, and every number
 * decoded to exactly the value the JDK's own parsing gives.
 */
class DefaultMapperTest {

    private final ObjectMapper mapper = DefaultMapper.create();

    @Test
    void turnsOnJacksonsFastNumberParsers() {
        assertThat(mapper.isEnabled(StreamReadFeature.USE_FAST_DOUBLE_PARSER)).isTrue();
        assertThat(mapper.isEnabled(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)).isTrue();
        assertThat(DefaultMapper.create()).as("one mapper per client, never shared").isNotSameAs(mapper);
    }

    @Test
    void decodesEveryDoubleToTheValueTheJdkParses() throws Exception {
        String[] tricky = {"0.1", "0.5", "7.5", "1e308", "1.7976931348623157E308", "4.9e-324", "2.2250738585072014E-308",
                "2.2250738585072011E-308", "9007199254740993.0", "0.30000000000000004", "-0.0", "123456.789e-3",
                "1.00000000000000011102230246251565404236316680908203125"};
        for (String text : tricky) {
            assertThat(bits(mapper.readTree("[" + text + "]").get(0).doubleValue())).as(text)
                    .isEqualTo(bits(Double.parseDouble(text)));
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 20_000; i++) {
            double value = Double.longBitsToDouble(random.nextLong());
            if (Double.isFinite(value)) {
                String text = Double.toString(value);
                assertThat(bits(mapper.readTree("[" + text + "]").get(0).doubleValue())).as(text).isEqualTo(bits(value));
            }
        }
    }

    /** Compared bit for bit: {@code ==} would let -0.0 pass for 0.0. */
    private static long bits(double value) {
        return Double.doubleToRawLongBits(value);
    }

    @Test
    void decodesBigDecimalsExactly() throws Exception {
        String text = "123456789012345678901234567890.123456789012345678901234567890";
        assertThat(mapper.readValue(text, BigDecimal.class)).isEqualTo(new BigDecimal(text));
        JsonNode tree = mapper.reader(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).readTree("[" + text + "]");
        assertThat(tree.get(0).decimalValue()).isEqualByComparingTo(new BigDecimal(text)); // a tree strips trailing zeros
    }
}
