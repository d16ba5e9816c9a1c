package io.steadysink.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/** The PromQL of an overlay's alert rules and Grafana dashboard, and the metric names it reads. */
final class MonitoringQueries {

    /** Operators, modifiers and aggregations (an aggregation's "by" clause may stand before its parenthesis). */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "inf", "nan", "sum", "min", "max", "avg", "group",
            "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

    private MonitoringQueries() {
    }

    /** Every {@code expr} of the overlay's PrometheusRules. */
    @SuppressWarnings("unchecked")
    static List<String> alertExpressions(RenderedOverlay overlay) {
        List<String> expressions = new ArrayList<>();
        for (GenericKubernetesResource rule : overlay.custom("PrometheusRule")) {
            Map<String, Object> spec = (Map<String, Object>) rule.getAdditionalProperties().get("spec");
            for (Map<String, Object> group : (List<Map<String, Object>>) spec.get("groups")) {
                for (Map<String, Object> alert : (List<Map<String, Object>>) group.get("rules")) {
                    expressions.add((String) alert.get("expr"));
                }
            }
        }
        return expressions;
    }

    /** Every target {@code expr} of the dashboards in ConfigMaps labelled {@code grafana_dashboard}. */
    static List<String> dashboardExpressions(RenderedOverlay overlay) {
        List<String> expressions = new ArrayList<>();
        for (ConfigMap map : overlay.all(ConfigMap.class)) {
            if (map.getMetadata().getLabels() == null
                    || !map.getMetadata().getLabels().containsKey("grafana_dashboard")) {
                continue;
            }
            for (String json : map.getData().values()) {
                try {
                    for (JsonNode panel : new ObjectMapper().readTree(json).path("panels")) {
                        for (JsonNode target : panel.path("targets")) {
                            expressions.add(target.path("expr").asText());
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("dashboard in " + map.getMetadata().getName(), e);
                }
            }
        }
        return expressions;
    }

    /**
     * The metric names {@code promql} selects: identifiers that are neither functions, keywords,
     * label names (inside braces or grouping clauses) nor durations.
     */
    static Set<String> metricNames(String promql) {
        String stripped = promql.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", "")
                .replaceAll("\\[[^]]*]", "")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "$1");
        Set<String> names = new TreeSet<>();
        Matcher matcher = IDENTIFIER.matcher(stripped);
        while (matcher.find()) {
            String identifier = matcher.group(1);
            boolean call = matcher.group(2) != null;
            if (!call && !KEYWORDS.contains(identifier.toLowerCase())) {
                names.add(identifier);
            }
        }
        return names;
    }
}
