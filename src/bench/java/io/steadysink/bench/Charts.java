package io.steadysink.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.CategoryStyler;

import io.steadysink.bench.Benchmark.Row;

/**
 * The benchmark's charts, drawn from the rows of its table: every bar carries its value with
 * thousands separators; the machine's limits, the reference, the naive way, the peer and steady-sink
 * each have their own colour.
 */
final class Charts {

    /** What a row of the table measures, and the colour its bar gets. */
    enum Kind {
        LIMIT("limits", new Color(128, 128, 128)), REFERENCE("reference", new Color(170, 170, 120)), NAIVE("naive",
                new Color(200, 60, 60)), PEER("Kafka Connect JDBC sink",
                        new Color(235, 130, 20)), STEADY_SINK("steady-sink", new Color(30, 90, 180));

        final String legend;
        final Color colour;

        Kind(String legend, Color colour) {
            this.legend = legend;
            this.colour = colour;
        }
    }

    /** p50, p99 and p99.9 of produce → row committed at one load level. */
    record LatencyLevel(String label, double p50, double p99, double p999) {
    }

    private static final Color[] PERCENTILE_COLOURS = {new Color(120, 170, 230), new Color(30, 90, 180),
            new Color(10, 30, 90)};

    private Charts() {
    }

    /** The kind of a row by its measure's wording; {@code null} for rows that are not rates of a sink. */
    static Kind kind(Row row) {
        if (!row.unit().equals("records/s") && !row.unit().equals("rows/s")) {
            return null;
        }
        String measure = row.measure();
        if (measure.startsWith("limit:")) {
            return measure.contains("KafkaConsumer") ? null : Kind.LIMIT;
        }
        if (measure.startsWith("reference:")) {
            return Kind.REFERENCE;
        }
        if (measure.startsWith("naive:")) {
            return Kind.NAIVE;
        }
        if (measure.startsWith("Kafka Connect") || measure.startsWith("peer")) {
            return Kind.PEER;
        }
        if (measure.startsWith("steady-sink")) {
            return Kind.STEADY_SINK;
        }
        return null;
    }

    /**
     * records/s of every sink row and the smaller limit, one colour per kind; the consumer's limit,
     * an order of magnitude above the rest, is named in the title instead of drawn.
     */
    static void rates(List<Row> rows, String title, Path file) throws IOException {
        List<Row> drawn = rows.stream().filter(row -> kind(row) != null).toList();
        if (drawn.isEmpty()) {
            return;
        }
        CategoryChart chart = new CategoryChartBuilder().width(1200).height(600).title(title)
                .yAxisTitle("records/s").build();
        bars(chart, drawn, Row::value);
        chart.getStyler().setYAxisDecimalPattern("#,###");
        save(chart, file);
    }

    /** Each sink row's rate as a share of the limit (the smaller of plain consume and plain COPY). */
    static void ratios(List<Row> rows, double limit, String title, Path file) throws IOException {
        // the peer's runs read another topic (Kafka Connect's envelope), which the limits were not measured on
        List<Row> drawn = rows.stream().filter(row -> kind(row) != null && kind(row) != Kind.LIMIT
                && kind(row) != Kind.PEER && !row.measure().contains("same topic")).toList();
        if (drawn.isEmpty()) {
            return;
        }
        CategoryChart chart = new CategoryChartBuilder().width(1200).height(600).title(title)
                .yAxisTitle("share of the limit").build();
        bars(chart, drawn, row -> row.value() / limit);
        chart.getStyler().setYAxisDecimalPattern("0.00");
        save(chart, file);
    }

    /** p50, p99 and p99.9 side by side for each load level, in milliseconds. */
    static void latency(List<LatencyLevel> levels, String title, Path file) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(550).title(title)
                .xAxisTitle("load").yAxisTitle("ms, produce → row committed").build();
        List<String> labels = levels.stream().map(LatencyLevel::label).toList();
        String[] names = {"p50", "p99", "p99.9"};
        for (int p = 0; p < names.length; p++) {
            int percentile = p;
            List<Double> values = levels.stream()
                    .map(level -> percentile == 0 ? level.p50() : percentile == 1 ? level.p99() : level.p999())
                    .toList();
            chart.addSeries(names[p], labels, values).setFillColor(PERCENTILE_COLOURS[p]);
        }
        CategoryStyler styler = chart.getStyler();
        styler.setLabelsVisible(true);
        styler.setLabelsPosition(1.0);
        styler.setYAxisDecimalPattern("#,##0.0");
        styler.setLegendPosition(CategoryStyler.LegendPosition.InsideNW);
        save(chart, file);
    }

    /** The slow-downstream step: measured records/s against workers × batch ÷ latency. */
    static void slowDownstream(List<double[]> points, long latencyMs, Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500)
                .title("slow downstream: " + latencyMs + " ms per batch").xAxisTitle("SINK_WORKERS")
                .yAxisTitle("records/s").build();
        double[] workers = points.stream().mapToDouble(p -> p[0]).toArray();
        XYSeries measured = chart.addSeries("measured", workers, points.stream().mapToDouble(p -> p[1]).toArray());
        measured.setLineColor(Kind.STEADY_SINK.colour);
        measured.setMarkerColor(Kind.STEADY_SINK.colour);
        XYSeries ideal = chart.addSeries("workers x batch / latency", workers,
                points.stream().mapToDouble(p -> p[2]).toArray());
        ideal.setLineColor(Kind.LIMIT.colour);
        ideal.setMarkerColor(Kind.LIMIT.colour);
        chart.getStyler().setYAxisDecimalPattern("#,###");
        save(chart, file);
    }

    /** One series per kind present, overlapped, so each bar stands at its own place in its kind's colour. */
    private static void bars(CategoryChart chart, List<Row> drawn, java.util.function.ToDoubleFunction<Row> value) {
        List<String> names = new ArrayList<>();
        for (Row row : drawn) {
            names.add(shortName(row.measure()));
        }
        for (Kind kind : Kind.values()) {
            Double[] values = new Double[drawn.size()];
            boolean any = false;
            for (int i = 0; i < drawn.size(); i++) {
                if (kind(drawn.get(i)) == kind) {
                    values[i] = value.applyAsDouble(drawn.get(i));
                    any = true;
                }
            }
            if (any) {
                chart.addSeries(kind.legend, names, Arrays.asList(values)).setFillColor(kind.colour);
            }
        }
        CategoryStyler styler = chart.getStyler();
        styler.setOverlapped(true);
        styler.setLabelsVisible(true);
        styler.setLabelsPosition(1.0);
        styler.setXAxisLabelRotation(20);
        styler.setLegendPosition(CategoryStyler.LegendPosition.InsideNE);
    }

    /** The measure without its qualifiers: "steady-sink append (4 workers)" → "steady-sink append". */
    static String shortName(String measure) {
        return measure.replaceFirst("^peer: Kafka Connect \\+ Debezium JDBC sink, ", "Kafka Connect JDBC sink ")
                .replaceFirst(", same topic and columns", " (same columns)").replaceAll(",.*|\\(\\d.*", "")
                .replaceFirst("^(limit|reference|naive): ", "").trim();
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) throws IOException {
        String name = file.toString().replaceFirst("\\.png$", "");
        BitmapEncoder.saveBitmap(chart, name, BitmapEncoder.BitmapFormat.PNG);
    }
}
