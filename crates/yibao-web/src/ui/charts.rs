//! Small SVG charts drawn on the server (no script, CSP-safe: colours are presentation
//! attributes): stacked bars per time slot, lines per time slot, and a slot grid with one row
//! per window. Every text is escaped; every bar and cell carries a `<title>` tooltip.

use std::fmt::Write;

use super::map::esc as escape;

/// Category colours, distinguishable in print and for common colour blindness.
pub const PALETTE: [&str; 8] = [
    "#1f5fa8", "#e07b28", "#2e9d5b", "#c23b6a", "#7a5bc2", "#1a9aa8", "#a8861f", "#6b7785",
];

pub fn colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

const WIDTH: f64 = 760.0;
const LEFT: f64 = 46.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 30.0;

/// One named series of values per slot.
pub struct Series<'a> {
    pub label: &'a str,
    pub colour: &'a str,
    pub values: Vec<f64>,
    /// Lines only: draw dashed.
    pub dashed: bool,
}

/// A round axis maximum (1, 2, 2.5 or 5 × 10ᵏ) at or above `max`, and its tick step.
fn nice_axis(max: f64) -> (f64, f64) {
    if !(max.is_finite() && max > 0.0) {
        return (1.0, 0.25);
    }
    let raw_step = max / 4.0;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw_step)
        .unwrap_or(10.0 * magnitude);
    ((max / step).ceil() * step, step)
}

fn number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// `HH:MM` of minutes since midnight.
pub fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

struct Frame {
    height: f64,
    slots: usize,
    y_max: f64,
}

impl Frame {
    fn plot_width(&self) -> f64 {
        WIDTH - LEFT - RIGHT
    }
    fn plot_height(&self) -> f64 {
        self.height - TOP - BOTTOM
    }
    fn band(&self) -> f64 {
        self.plot_width() / self.slots.max(1) as f64
    }
    fn x(&self, slot: usize) -> f64 {
        LEFT + self.band() * slot as f64
    }
    fn y(&self, value: f64) -> f64 {
        TOP + self.plot_height() * (1.0 - value / self.y_max)
    }

    /// Opens the SVG and draws the y grid with labels and the x labels on the hour.
    fn open(&self, out: &mut String, id: &str, label: &str, y_step: f64, starts: &[u32]) {
        let _ = write!(
            out,
            r#"<svg class="chart" id="{}" viewBox="0 0 {WIDTH} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">"#,
            escape(id),
            self.height,
            escape(label)
        );
        let mut tick = 0.0;
        while tick <= self.y_max + 1e-9 {
            let y = self.y(tick);
            let _ = write!(
                out,
                r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e3e8ee"/><text x="{}" y="{:.1}" text-anchor="end" fill="#5b6775">{}</text>"##,
                WIDTH - RIGHT,
                LEFT - 6.0,
                y + 4.0,
                number(tick)
            );
            tick += y_step;
        }
        let base = self.y(0.0);
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{}" y1="{base:.1}" y2="{base:.1}" stroke="#8a96a3"/>"##,
            WIDTH - RIGHT
        );
        for (slot, start) in starts.iter().enumerate() {
            if start % 60 == 0 {
                let x = self.x(slot);
                let _ = write!(
                    out,
                    r##"<line x1="{x:.1}" x2="{x:.1}" y1="{base:.1}" y2="{:.1}" stroke="#8a96a3"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#5b6775">{}</text>"##,
                    base + 4.0,
                    base + 17.0,
                    clock(*start)
                );
            }
        }
    }
}

/// Bars per slot, the series stacked in order.
pub fn stacked_bars(id: &str, label: &str, starts: &[u32], series: &[Series<'_>]) -> String {
    let slots = starts.len();
    let totals: Vec<f64> = (0..slots)
        .map(|s| {
            series
                .iter()
                .map(|x| x.values.get(s).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let (y_max, y_step) = nice_axis(totals.iter().copied().fold(0.0, f64::max));
    let frame = Frame {
        height: 250.0,
        slots,
        y_max,
    };
    let mut out = String::new();
    frame.open(&mut out, id, label, y_step, starts);
    let gap = (frame.band() * 0.12).min(3.0);
    for (slot, start) in starts.iter().enumerate() {
        let mut bottom = 0.0;
        for item in series {
            let value = item.values.get(slot).copied().unwrap_or(0.0);
            if value <= 0.0 {
                continue;
            }
            let (y_top, y_bottom) = (frame.y(bottom + value), frame.y(bottom));
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{y_top:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} {}：{}</title></rect>"#,
                frame.x(slot) + gap / 2.0,
                (frame.band() - gap).max(1.0),
                (y_bottom - y_top).max(0.5),
                item.colour,
                clock(*start),
                escape(item.label),
                number(value)
            );
            bottom += value;
        }
    }
    out.push_str("</svg>");
    out
}

/// One line per series through the slots' centres (a step of the slot's value).
pub fn lines(id: &str, label: &str, starts: &[u32], series: &[Series<'_>]) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    let (y_max, y_step) = nice_axis(max);
    let frame = Frame {
        height: 250.0,
        slots: starts.len(),
        y_max,
    };
    let mut out = String::new();
    frame.open(&mut out, id, label, y_step, starts);
    for item in series {
        let points: Vec<String> = item
            .values
            .iter()
            .enumerate()
            .map(|(slot, v)| {
                format!(
                    "{:.1},{:.1}",
                    frame.x(slot) + frame.band() / 2.0,
                    frame.y(v.max(0.0))
                )
            })
            .collect();
        let dash = if item.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.2"{dash}><title>{}</title></polyline>"#,
            points.join(" "),
            item.colour,
            escape(item.label)
        );
    }
    out.push_str("</svg>");
    out
}

/// One row per window, one cell per slot, filled with the colour of the category the window
/// serves in that slot (blank: idle), the category's letter inside when it fits.
pub fn window_grid(
    id: &str,
    label: &str,
    starts: &[u32],
    windows: &[String],
    cells: &[Vec<Option<(usize, String)>>],
) -> String {
    let row_height = 24.0;
    let name_width = 120.0;
    let slots = starts.len().max(1);
    let band = (WIDTH - name_width - RIGHT) / slots as f64;
    let height = TOP + row_height * windows.len() as f64 + BOTTOM;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" id="{}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">"#,
        escape(id),
        escape(label)
    );
    for (row, window) in windows.iter().enumerate() {
        let y = TOP + row_height * row as f64;
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#24303d">{}</text>"##,
            name_width - 8.0,
            y + row_height / 2.0 + 4.0,
            escape(window)
        );
        for (slot, start) in starts.iter().enumerate() {
            let x = name_width + band * slot as f64;
            let cell = cells.get(slot).and_then(|c| c.get(row)).cloned().flatten();
            let (fill, text, tip) = match &cell {
                Some((category, name)) => (colour(*category), name.clone(), name.clone()),
                None => ("#f1f3f5", String::new(), "空闲".to_owned()),
            };
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" stroke="#ffffff"><title>{} {} {}</title></rect>"##,
                y + 1.0,
                band,
                row_height - 2.0,
                escape(window),
                clock(*start),
                escape(&tip)
            );
            if band >= 12.0
                && let Some(letter) = text.chars().next()
            {
                let _ = write!(
                    out,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#ffffff" font-size="10">{}</text>"##,
                    x + band / 2.0,
                    y + row_height / 2.0 + 3.5,
                    escape(&letter.to_string())
                );
            }
        }
    }
    let base = TOP + row_height * windows.len() as f64;
    for (slot, start) in starts.iter().enumerate() {
        if start % 60 == 0 {
            let x = name_width + band * slot as f64;
            let _ = write!(
                out,
                r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#5b6775">{}</text>"##,
                base + 16.0,
                clock(*start)
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maxima_are_round_and_cover_the_data() {
        for (max, expected) in [
            (0.0, 1.0),
            (3.2, 4.0),
            (9.0, 10.0),
            (17.0, 20.0),
            (41.0, 60.0),
            (101.0, 150.0),
        ] {
            let (top, step) = nice_axis(max);
            assert_eq!(top, expected, "max {max}");
            assert!(top >= max && step > 0.0);
        }
    }

    #[test]
    fn labels_are_escaped_and_bars_stack() {
        let starts = [510, 525, 540];
        let svg = stacked_bars(
            "c",
            "到达 <x>",
            &starts,
            &[
                Series {
                    label: "A&B",
                    colour: colour(0),
                    values: vec![1.0, 2.0, 0.0],
                    dashed: false,
                },
                Series {
                    label: "C",
                    colour: colour(1),
                    values: vec![3.0, 0.0, 0.0],
                    dashed: false,
                },
            ],
        );
        assert!(svg.contains("到达 &lt;x&gt;"));
        assert!(svg.contains("A&amp;B"));
        assert_eq!(svg.matches("<rect").count(), 3, "zero values draw no bar");
        assert!(svg.contains(">09:00<"), "hour labels");
    }
}
