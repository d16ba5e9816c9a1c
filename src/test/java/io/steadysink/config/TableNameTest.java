package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.steadysink.testing.LocalPostgres;

class TableNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"events", "_staging", "orders_v2", "order_events", "users", "type", "between", "values"})
    void acceptsLowerCaseIdentifiers(String name) {
        assertThat(TableName.of(name).value()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Events", "2fast", "drop table x", "events;--", "a\"b", "public.events",
            "a_name_that_is_far_too_long_for_the_derived_names_x"})
    void rejectsAnythingThatIsNotASafeIdentifier(String name) {
        assertThatThrownBy(() -> TableName.of(name)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"order", "user", "table", "select", "authorization", "left", "current_timestamp"})
    void refusesAWordPostgresReservesNamingItAndSuggestingAnother(String word) {
        assertThatThrownBy(() -> TableName.of(word)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(word + " is a reserved word in PostgreSQL; use another name, e.g. " + word + "_events");
    }

    /** The grammar refuses categories R (reserved) and T (reserved, can be a function or type name). */
    @Test
    void reservedWordsAreThoseOfThePostgresTheTestsRunAgainst() throws SQLException {
        Set<String> reserved = new TreeSet<>();
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet words = statement
                        .executeQuery("SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')")) {
            while (words.next()) {
                reserved.add(words.getString(1));
            }
        }
        assertThat(new TreeSet<>(TableName.RESERVED_WORDS)).isEqualTo(reserved);
    }
}
