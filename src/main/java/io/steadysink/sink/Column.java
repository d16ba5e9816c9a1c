package io.steadysink.sink;

import java.util.Optional;

/**
 * A column of a user's table as the catalog describes it.
 *
 * @param type what steady-sink can write into it; not {@linkplain ColumnType#supported() supported} for a
 *        type it cannot write and for a column PostgreSQL fills itself (generated, or identity
 *        {@code GENERATED ALWAYS})
 * @param hasDefault whether PostgreSQL fills the column when a row leaves it out: a {@code DEFAULT}, an
 *        identity or a generated column
 * @param defaultExpression the {@code DEFAULT} or generation expression as PostgreSQL prints it
 *        ({@code pg_get_expr}); empty for none and for identity columns
 */
public record Column(String name, ColumnType type, boolean notNull, boolean hasDefault,
        Optional<String> defaultExpression) {
}
