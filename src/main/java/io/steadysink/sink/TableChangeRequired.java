package io.steadysink.sink;

import java.sql.SQLException;

/**
 * A route's records need their table to change before they can be written: a change event carries a
 * field the table has no column for, and the route may not add it (or its type cannot be told), or a
 * table to be created from the events cannot be. The message names the route, the table, the fields
 * and the statement to run. Nothing is wrong with the records: the batch waits, retried in place
 * like an outage, and is written once the table has changed (by a person, or by another replica).
 */
public final class TableChangeRequired extends SQLException {

    public TableChangeRequired(String message) {
        super(message);
    }
}
