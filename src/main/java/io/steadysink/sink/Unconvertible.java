package io.steadysink.sink;

/**
 * A JSON value that a column cannot take without changing it: the record is poison. The message is
 * the reason, naming only JSON types, the column's type and positions (an array index), never the
 * value itself, since values may be personal data and reasons reach logs and dead-letter headers.
 * The caller prefixes the route, the JSON Pointer and the column.
 */
public final class Unconvertible extends Exception {

    private static final long serialVersionUID = 1L;

    public Unconvertible(String reason) {
        // thrown once per poison value, caught by the caller: the stack trace would say nothing
        super(reason, null, false, false);
    }
}
