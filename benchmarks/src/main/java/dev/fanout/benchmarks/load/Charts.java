package dev.fanout.benchmarks.load;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The PNGs RESULTS.md embeds, drawn with XChart: throughput per client and scenario, and S4's memory over time. */
final class Charts {

    private static final int PANEL_WIDTH = 640;
    private static final int PANEL_HEIGHT = 480;

    private Charts() {
    }

    static void write(Report report, List<Map<String, Object>> runs, Path dir) throws IOException {
        List<BufferedImage> panels = new ArrayList<>();
        for (Map.Entry<String, Map<String, Map<String, Object>>> e : report.summary().entrySet()) {
            String id = e.getKey();
            if (id.equals("S4") || e.getValue().isEmpty()) {
                continue;
            }
            boolean wall = id.equals("S2");
            CategoryChart chart = new CategoryChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT)
                    .title(id + (wall ? ": wall time, s (ideal 1.0; lower is better)" : ": requests/s (higher is better)"))
                    .xAxisTitle("client (median of runs; min–max in RESULTS.md)")
                    .yAxisTitle(wall ? "seconds" : "requests per second").build();
            chart.getStyler().setLegendVisible(false);
            chart.getStyler().setXAxisLabelRotation(30);
            chart.getStyler().setLabelsVisible(true);
            chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
            chart.getStyler().setLabelsFontColor(Color.BLACK);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setSeriesColors(new Color[] {new Color(0x2b6cb0)});
            chart.getStyler().setDecimalPattern(wall ? "0.00" : "#,##0");
            List<String> clients = new ArrayList<>(e.getValue().keySet());
            List<Double> values = clients.stream()
                    .map(c -> (Double) e.getValue().get(c).get(wall ? "wallMedian" : "rpsMedian"))
                    .collect(Collectors.toList());
            chart.addSeries(id, clients, values);
            panels.add(BitmapEncoder.getBufferedImage(chart));
        }
        if (!panels.isEmpty()) {
            int columns = Math.min(panels.size(), 2);
            int rows = (panels.size() + columns - 1) / columns;
            BufferedImage all = new BufferedImage(columns * PANEL_WIDTH, rows * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = all.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, all.getWidth(), all.getHeight());
            for (int i = 0; i < panels.size(); i++) {
                g.drawImage(panels.get(i), (i % columns) * PANEL_WIDTH, (i / columns) * PANEL_HEIGHT, null);
            }
            g.dispose();
            ImageIO.write(all, "png", dir.resolve("throughput.png").toFile());
        }

        List<Map<String, Object>> samples = report.s4Samples();
        if (!samples.isEmpty()) {
            XYChart chart = new XYChartBuilder().width(960).height(480)
                    .title("S4: memory over time, " + report.summary().get("S4").get(Report.FANOUT).get("n")
                            + " URLs through fetchAsCompleted, -Xmx256m")
                    .xAxisTitle("seconds").yAxisTitle("MB").build();
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setMarkerSize(0);
            List<Double> t = column(samples, "t");
            chart.addSeries("heap used", t, column(samples, "heapMb"));
            chart.addSeries("heap after last GC", t, column(samples, "heapAfterGcMb"));
            chart.addSeries("RSS", t, column(samples, "rssMb"));
            BitmapEncoder.saveBitmap(chart, dir.resolve("s4-heap.png").toString(), BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static List<Double> column(List<Map<String, Object>> samples, String key) {
        return samples.stream().map(s -> ((Number) s.get(key)).doubleValue()).collect(Collectors.toList());
    }
}
