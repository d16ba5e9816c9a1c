package io.steadysink.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Checks the {@code SINK_*} settings. Each problem is one line naming the environment variable,
 * the value and the fix, so an operator can correct everything in one go.
 */
public final class SinkSettings {

    static final Set<String> OFFSET_RESETS = Set.of("earliest", "latest", "none");

    /** A route's name: it names the route's staging table too, within PostgreSQL's 63 bytes. */
    private static final Pattern ROUTE_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");

    private SinkSettings() {
    }

    /**
     * The routes of the route file, parsed; empty without a route file.
     *
     * @throws IllegalArgumentException when a route is not usable ({@link #problems} lists why)
     */
    public static List<RouteSpec> routes(SinkConfig config) {
        List<String> problems = new ArrayList<>();
        List<RouteSpec> routes = new ArrayList<>();
        new TreeMap<>(config.routes())
                .forEach((name, route) -> routes.addAll(RouteSpec.parse(name, route, problems)));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return routes;
    }

    private static void routeProblems(SinkConfig config, List<String> problems) {
        for (Map.Entry<String, RouteSettings> route : new TreeMap<>(config.routes()).entrySet()) {
            if (!ROUTE_NAME.matcher(route.getKey()).matches()) {
                problems.add("route \"" + route.getKey() + "\" in SINK_ROUTES_FILE: name routes with at most 40"
                        + " lower-case letters, digits, - and _");
                continue;
            }
            RouteSpec.parse(route.getKey(), route.getValue(), problems);
        }
    }

    /** Returns one message per problem; empty when the settings are usable. */
    public static List<String> problems(SinkConfig config) {
        List<String> problems = new ArrayList<>();
        if (!config.hasDefaultRoute() && config.routes().isEmpty()) {
            problems.add(
                    "SINK_TOPICS is not set: set it to the comma-separated topics to consume, e.g. SINK_TOPICS=orders"
                            + (config.routesFile().isPresent() ? ", or declare routes in SINK_ROUTES_FILE" : ""));
        }
        routeProblems(config, problems);
        String reset = config.autoOffsetReset().map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("");
        if (reset.isEmpty()) {
            problems.add("SINK_AUTO_OFFSET_RESET is not set: set it to 'earliest' (replay the topic's history) "
                    + "or 'latest' (only records produced from now on) for a group without committed offsets");
        } else if (!OFFSET_RESETS.contains(reset)) {
            problems.add("SINK_AUTO_OFFSET_RESET='" + config.autoOffsetReset().get()
                    + "' is not valid: use 'earliest' (replay the topic's history), 'latest' (only new records)"
                    + " or 'none' (fail where no offset is committed)");
        }
        try {
            config.parsedMode();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        try {
            TableName.of(config.table());
        } catch (IllegalArgumentException e) {
            problems.add("SINK_TABLE='" + config.table() + "' is not valid: " + e.getMessage());
        }
        if (config.workers() < 1) {
            problems.add("SINK_WORKERS=" + config.workers() + " is not valid: use 1 or more worker threads");
        }
        try {
            config.parsedFailureStrategy();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (config.maxRecordBytes() < 1) {
            problems.add("SINK_MAX_RECORD_BYTES=" + config.maxRecordBytes()
                    + " is not valid: use the largest record value to write, in bytes, or unset it for the default");
        }
        if (config.stallBudgetMs() < 1_000) {
            problems.add("SINK_STALL_BUDGET_MS=" + config.stallBudgetMs()
                    + " is not valid: use 1000 or more milliseconds, or unset it for the default");
        }
        if (config.startupWaitMs() < 0) {
            problems.add("SINK_STARTUP_WAIT_MS=" + config.startupWaitMs()
                    + " is not valid: use 0 (no waiting) or more milliseconds, or unset it for the default");
        }
        if (config.lagIntervalMs() < 100) {
            problems.add("SINK_LAG_INTERVAL_MS=" + config.lagIntervalMs()
                    + " is not valid: use 100 or more milliseconds, or unset it for the default");
        }
        if (config.rejectionsMin() < 0) {
            problems.add("SINK_REJECTIONS_MIN=" + config.rejectionsMin()
                    + " is not valid: use 0 (never stop on rejections) or more rejections, or unset it for the default");
        }
        if (!(config.rejectionsMaxRatio() > 0 && config.rejectionsMaxRatio() <= 1)) {
            problems.add("SINK_REJECTIONS_MAX_RATIO=" + config.rejectionsMaxRatio()
                    + " is not valid: use a share above 0 and at most 1, or unset it for the default");
        }
        if (config.rejectionsWindow() < 1) {
            problems.add("SINK_REJECTIONS_WINDOW=" + config.rejectionsWindow()
                    + " is not valid: use 1 or more records, or unset it for the default");
        }
        if (config.dlqTopic().isBlank()) {
            problems.add("SINK_DLQ_TOPIC is empty: name the dead-letter topic, e.g. SINK_DLQ_TOPIC=orders-dlq");
        }
        return problems;
    }
}
