//! The report's charts, drawn as inline SVG by `plotters`' SVG backend: horizontal bars for counts by name
//! (the funnel, removals by reason) and columns for histograms (one or two series, an optional threshold
//! line). Text is left to the browser (`plotters` estimates its width), so no font ships with ghirbal.
//!
//! Every chart has a fixed drawing size; the page scales it to the screen through the `viewBox`.

use plotters::prelude::*;

/// The colour of the first series (kept, or the only one).
pub(super) const TEAL: RGBColor = RGBColor(0x1f, 0x6f, 0x8b);
/// The colour of the second series (as read) and of removals.
pub(super) const ORANGE: RGBColor = RGBColor(0xd9, 0x73, 0x1e);
const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);
const WIDTH: u32 = 760;

/// One series of a column chart.
pub(super) struct Series<'a> {
    pub name: &'a str,
    pub values: &'a [u64],
    pub color: RGBColor,
}

/// A threshold drawn over a column chart, at a position in bins (2.5 = the middle of the third bin).
pub(super) struct Marker {
    pub at: f64,
    pub label: String,
}

fn failed(e: impl std::fmt::Display) -> String {
    format!("drawing a chart: {e}")
}

/// Horizontal bars, one per label, the first at the top, each with its value written at its end.
pub(super) fn bars(labels: &[String], values: &[u64], color: RGBColor, unit: &str) -> Result<String, String> {
    let n = labels.len().max(1) as u32;
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32;
    let height = 26 * n + 56;
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_right(24)
            .x_label_area_size(36)
            .y_label_area_size((longest * 7 + 16).clamp(60, 330))
            .build_cartesian_2d(0f64..max as f64 * 1.18, 0f64..f64::from(n))
            .map_err(failed)?;
        // Row 0 (the first label) is drawn at the top.
        let row = |i: usize| f64::from(n) - 1.0 - i as f64;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .y_labels(0)
            .x_labels(6)
            .x_label_formatter(&|v| count_tick(*v))
            .x_desc(unit)
            .label_style(("sans-serif", 13).into_font().color(&INK))
            .axis_desc_style(("sans-serif", 13).into_font().color(&INK))
            .draw()
            .map_err(failed)?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let y = row(i);
                Rectangle::new([(0.0, y + 0.15), (*v as f64, y + 0.85)], color.filled())
            }))
            .map_err(failed)?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                Text::new(
                    thousands(*v as f64),
                    (*v as f64 + max as f64 * 0.01, row(i) + 0.5),
                    ("sans-serif", 12).into_font().color(&INK).pos(text_left_middle()),
                )
            }))
            .map_err(failed)?;
        // The names, right-aligned beside their bars (an axis would put its labels at round numbers).
        for (i, label) in labels.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(0.0, row(i) + 0.5));
            let style = ("sans-serif", 13).into_font().color(&INK).pos(text_right_middle());
            root.draw(&Text::new(label.clone(), (x - 8, y), style))
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(responsive(svg))
}

/// Columns over named bins, one colour per series side by side, with a legend when there are two.
pub(super) fn columns(
    bins: &[String],
    series: &[Series<'_>],
    x_desc: &str,
    y_desc: &str,
    marker: Option<Marker>,
) -> Result<String, String> {
    let n = bins.len().max(1);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .margin_right(20)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..n as f64, 0f64..max as f64 * 1.12)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE.mix(0.0))
            .x_labels(0)
            .y_labels(5)
            .y_label_formatter(&|v| count_tick(*v))
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style(("sans-serif", 12).into_font().color(&INK))
            .axis_desc_style(("sans-serif", 13).into_font().color(&INK))
            .draw()
            .map_err(failed)?;
        let width = 0.8 / series.len().max(1) as f64;
        for (k, s) in series.iter().enumerate() {
            let color = s.color;
            let drawn = chart
                .draw_series(s.values.iter().enumerate().map(move |(i, v)| {
                    let left = i as f64 + 0.1 + width * k as f64;
                    Rectangle::new([(left, 0.0), (left + width, *v as f64)], color.filled())
                }))
                .map_err(failed)?;
            if series.len() > 1 {
                drawn
                    .label(s.name)
                    .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
            }
        }
        if let Some(m) = marker {
            let top = max as f64 * 1.08;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(m.at, 0.0), (m.at, top)],
                    ShapeStyle::from(&INK).stroke_width(2),
                )))
                .map_err(failed)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    m.label,
                    (m.at, top),
                    ("sans-serif", 12).into_font().color(&INK).pos(text_left_middle()),
                )))
                .map_err(failed)?;
        }
        // The bins' names under their columns; every other one when they would crowd.
        let step = if n > 12 { 2 } else { 1 };
        for (i, bin) in bins.iter().enumerate().step_by(step) {
            let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            let style = ("sans-serif", 12).into_font().color(&INK).pos(text_center_top());
            root.draw(&Text::new(bin.clone(), (x, y + 6), style)).map_err(failed)?;
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.9))
                .border_style(INK.mix(0.3))
                .label_font(("sans-serif", 13).into_font().color(&INK))
                .draw()
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(responsive(svg))
}

fn text_left_middle() -> plotters::style::text_anchor::Pos {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    Pos::new(HPos::Left, VPos::Center)
}

fn text_right_middle() -> plotters::style::text_anchor::Pos {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    Pos::new(HPos::Right, VPos::Center)
}

fn text_center_top() -> plotters::style::text_anchor::Pos {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    Pos::new(HPos::Center, VPos::Top)
}

/// A tick of a count axis: whole numbers only (a count of 1.5 documents means nothing).
fn count_tick(v: f64) -> String {
    if v.fract().abs() > 1e-9 {
        return String::new();
    }
    thousands(v)
}

/// A number with thin separators of thousands (`12,500`), no decimals for whole numbers.
pub(super) fn thousands(v: f64) -> String {
    if v.fract().abs() > 1e-9 && v.abs() < 10.0 {
        return format!("{v:.2}");
    }
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// Makes the drawing scale with the page: the fixed size becomes the `viewBox`.
fn responsive(svg: String) -> String {
    let Some(open_end) = svg.find('>') else {
        return svg;
    };
    let (head, rest) = svg.split_at(open_end);
    let width = attr(head, "width");
    let height = attr(head, "height");
    match (width, height) {
        (Some(w), Some(h)) => format!(
            "<svg viewBox=\"0 0 {w} {h}\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" \
             xmlns=\"http://www.w3.org/2000/svg\"{rest}"
        ),
        _ => svg,
    }
}

fn attr<'s>(tag: &'s str, name: &str) -> Option<&'s str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scalable_svg_with_every_label() {
        let labels = vec!["filter.gopher_quality.short_doc".to_owned(), "dedup.exact".to_owned()];
        let svg = bars(&labels, &[1200, 30], TEAL, "documents").expect("drawn");
        assert!(svg.starts_with("<svg viewBox=\"0 0 760 "), "{}", &svg[..80]);
        assert!(svg.contains("filter.gopher_quality.short_doc"));
        assert!(svg.contains("dedup.exact"));
        assert!(svg.contains("1,200"));
        assert!(svg.matches("<rect").count() >= 2);
    }

    #[test]
    fn columns_draw_two_series_a_legend_and_a_marker() {
        let bins: Vec<String> = ["0", "10", "20"].iter().map(|s| s.to_string()).collect();
        let series = [
            Series {
                name: "as read",
                values: &[5, 9, 2],
                color: ORANGE,
            },
            Series {
                name: "kept",
                values: &[1, 8, 2],
                color: TEAL,
            },
        ];
        let marker = Marker {
            at: 1.5,
            label: "threshold 0.65".into(),
        };
        let svg = columns(&bins, &series, "words", "documents", Some(marker)).expect("drawn");
        assert!(svg.contains("as read") && svg.contains("kept"), "a legend");
        assert!(svg.contains("threshold 0.65"));
        let flat = svg.replace('\n', "");
        assert!(flat.contains(">10</text>"), "bin labels");
    }

    #[test]
    fn empty_charts_still_draw() {
        assert!(bars(&[], &[], TEAL, "documents").is_ok());
        assert!(columns(&[], &[], "x", "y", None).is_ok());
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(thousands(0.65), "0.65");
    }
}
