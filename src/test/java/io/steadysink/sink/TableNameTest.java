package io.steadysink.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TableNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"events", "_staging", "orders_v2"})
    void acceptsLowerCaseIdentifiers(String name) {
        assertThat(TableName.of(name).value()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Events", "2fast", "drop table x", "events;--", "a\"b", "public.events",
            "a_name_that_is_far_too_long_for_the_derived_names_x"})
    void rejectsAnythingThatIsNotASafeIdentifier(String name) {
        assertThatThrownBy(() -> TableName.of(name)).isInstanceOf(IllegalArgumentException.class);
    }
}
