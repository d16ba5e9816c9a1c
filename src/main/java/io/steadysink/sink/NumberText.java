package io.steadysink.sink;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * JSON numbers into integer, numeric and floating-point columns. Works on the number's exact decimal
 * value; checks its size from precision and scale before any arithmetic, so a number such as
 * {@code 1e1000000000} is refused without building its digits.
 */
final class NumberText {

    /** A numeric column's string form: what PostgreSQL reads as a finite decimal, nothing else. */
    private static final Pattern DECIMAL_NUMERAL = Pattern.compile("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?");

    private NumberText() {
    }

    /**
     * The exact value of a JSON number. A tree built in code may hold a double or float: taken as
     * its exact value, and refused when not finite (JSON has no NaN or Infinity).
     */
    static BigDecimal decimal(JsonNode number) throws Unconvertible {
        if ((number.isDouble() || number.isFloat()) && !Double.isFinite(number.doubleValue())) {
            throw new Unconvertible("a JSON number that is not finite");
        }
        return number.decimalValue();
    }

    /** How many digits {@code value} (not zero) has before its decimal point; negative below 0.1. */
    static long integerDigits(BigDecimal value) {
        return (long) value.precision() - value.scale();
    }

    static String integer(JsonNode value, long min, long max, String type) throws Unconvertible {
        if (value.isIntegralNumber() && value.canConvertToLong()) { // the usual case, without BigDecimal
            long integer = value.longValue();
            if (integer < min || integer > max) {
                throw outOfRange("number", type);
            }
            return Long.toString(integer);
        }
        BigDecimal number = decimal(value);
        if (number.signum() == 0) {
            return "0";
        }
        if (integerDigits(number) > 19) {
            throw outOfRange("number", type);
        }
        BigDecimal whole = number.stripTrailingZeros();
        if (whole.scale() > 0) {
            throw new Unconvertible("a JSON number with a fraction for an integer column");
        }
        BigInteger integer = whole.toBigIntegerExact();
        if (integer.compareTo(BigInteger.valueOf(min)) < 0 || integer.compareTo(BigInteger.valueOf(max)) > 0) {
            throw outOfRange("number", type);
        }
        return integer.toString();
    }

    /**
     * A number or a decimal numeral string for {@code numeric(precision, scale)}, or for plain
     * {@code numeric} when {@code precision} is -1. The text keeps the scale as written (plain numeric)
     * or takes the column's scale when only zeros are added or dropped; a value with more fraction
     * digits than the column keeps is refused, not rounded.
     */
    static String numeric(JsonNode value, int precision, int scale, String type) throws Unconvertible {
        String json = value.isTextual() ? "string" : "number";
        BigDecimal number;
        if (value.isTextual()) {
            if (!DECIMAL_NUMERAL.matcher(value.textValue()).matches()) {
                throw new Unconvertible("a JSON string that is not a plain decimal numeral");
            }
            try {
                number = new BigDecimal(value.textValue());
            } catch (NumberFormatException e) {
                throw outOfRange(json, type); // an exponent beyond what BigDecimal (and numeric) holds
            }
        } else {
            number = decimal(value);
        }
        if (precision < 0) {
            if (number.scale() > JsonbValue.NUMERIC_MAX_SCALE) {
                throw moreFractionDigits(json, type);
            }
            if (number.signum() != 0 && integerDigits(number) - 1 > JsonbValue.NUMERIC_MAX_POWER) {
                throw outOfRange(json, type);
            }
            return number.signum() == 0 && number.scale() <= 0 ? "0" : number.toPlainString();
        }
        if (number.signum() != 0 && integerDigits(number) > precision - scale) {
            throw outOfRange(json, type);
        }
        BigDecimal exact = number.stripTrailingZeros();
        if (exact.scale() > scale) {
            throw moreFractionDigits(json, type);
        }
        return exact.setScale(number.signum() == 0 ? Math.max(scale, 0) : scale).toPlainString();
    }

    /** A real: the float nearest the number, refused when it overflows or a non-zero number becomes zero. */
    static String real(JsonNode value, String type) throws Unconvertible {
        BigDecimal number = decimal(value);
        float nearest = number.floatValue();
        if (Float.isInfinite(nearest) || nearest == 0 && number.signum() != 0) {
            throw outOfRange("number", type);
        }
        return Float.toString(nearest);
    }

    /** A double precision: as {@link #real}, for doubles. */
    static String doublePrecision(JsonNode value, String type) throws Unconvertible {
        BigDecimal number = decimal(value);
        double nearest = number.doubleValue();
        if (Double.isInfinite(nearest) || nearest == 0 && number.signum() != 0) {
            throw outOfRange("number", type);
        }
        return Double.toString(nearest);
    }

    private static Unconvertible outOfRange(String json, String type) {
        return new Unconvertible("a JSON " + json + " out of the range of " + type);
    }

    private static Unconvertible moreFractionDigits(String json, String type) {
        return new Unconvertible("a JSON " + json + " with more fraction digits than " + type + " keeps");
    }
}
