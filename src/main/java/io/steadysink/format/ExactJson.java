package io.steadysink.format;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * How steady-sink reads JSON whose numbers end up in typed columns: numbers with a fraction or
 * exponent as {@link java.math.BigDecimal}, trailing zeros kept (the scale of {@code 1.50}), nothing
 * after the value. Schemaless JSON values and JSON Schema records are read alike.
 */
public final class ExactJson {

    private ExactJson() {
    }

    /** A new mapper on each call; callers keep theirs. */
    public static ObjectMapper mapper() {
        return JsonMapper.builder()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
                .build();
    }
}
