//! SVG charts drawn with `plotters` (its SVG backend only): logins per day and seats used per
//! organization. The SVG goes inline into the page; plotters escapes text (`<`, `>`, `&`,
//! quotes), and every colour is a presentation attribute, so the console's CSP (no inline
//! styles, no scripts) holds.

use plotters::prelude::*;
use portico_services::reports::{DayLogins, SeatRow};

const INK: RGBColor = RGBColor(0x47, 0x55, 0x69);
const GRID: RGBColor = RGBColor(0xe2, 0xe8, 0xf0);
const BRAND: RGBColor = RGBColor(0x4f, 0x46, 0xe5);
const ACCENT: RGBColor = RGBColor(0x0e, 0xa5, 0xe9);
const FONT: &str = "sans-serif";

/// What to draw when there is nothing to draw.
fn empty(width: u32, height: u32, message: &str) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        let _ = root.draw(&Text::new(
            message.to_string(),
            (16, (height / 2) as i32),
            (FONT, 14).into_font().color(&INK),
        ));
        let _ = root.present();
    }
    out
}

/// Logins per day as bars, distinct people per day as a line.
pub fn logins_per_day(days: &[DayLogins], width: u32, height: u32) -> String {
    if days.is_empty() {
        return empty(width, height, "No days in this period.");
    }
    let max = days.iter().map(|d| d.logins).max().unwrap_or(0).max(1);
    let n = days.len() as i32;
    let mut out = String::new();
    let drawn: Result<(), Box<dyn std::error::Error>> = (|| {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d(0..n, 0..(max + max / 10 + 1))?;
        let labels = |i: &i32| {
            days.get(*i as usize)
                .map(|d| d.day.to_string()[5..].to_string())
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID)
            .bold_line_style(GRID)
            .axis_style(INK)
            .x_labels(days.len().min(8))
            .x_label_formatter(&labels)
            .y_labels(5)
            .label_style((FONT, 12).into_font().color(&INK))
            .draw()?;
        chart.draw_series(days.iter().enumerate().map(|(i, d)| {
            let x = i as i32;
            Rectangle::new([(x, 0), (x + 1, d.logins)], BRAND.mix(0.75).filled())
        }))?;
        chart.draw_series(LineSeries::new(
            days.iter().enumerate().map(|(i, d)| (i as i32, d.users)),
            ACCENT.stroke_width(2),
        ))?;
        root.present()?;
        Ok(())
    })();
    match drawn {
        Ok(()) => out,
        Err(e) => {
            tracing::warn!(error = %e, "chart failed");
            empty(width, height, "The chart could not be drawn.")
        }
    }
}

/// Seats used per organization, largest first, as horizontal bars (application seats and
/// back-office seats side by side).
pub fn seats_per_org(rows: &[SeatRow], width: u32) -> String {
    let rows: Vec<&SeatRow> = rows.iter().take(12).collect();
    let height = 40 + 28 * rows.len().max(1) as u32;
    if rows.iter().all(|r| r.app_used + r.office_used == 0) {
        return empty(width, 60, "No seats in use yet.");
    }
    let max = rows
        .iter()
        .map(|r| r.app_used + r.office_used)
        .max()
        .unwrap_or(0)
        .max(1);
    let n = rows.len() as i32;
    let mut out = String::new();
    let drawn: Result<(), Box<dyn std::error::Error>> = (|| {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let label_w = (width / 3).min(220);
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(label_w)
            .build_cartesian_2d(0..(max + max / 10 + 1), 0..n)?;
        let names = |i: &i32| {
            rows.get((n - 1 - *i) as usize)
                .map(|r| {
                    let name: String = r.org_name.chars().take(28).collect();
                    if name.len() < r.org_name.len() {
                        format!("{name}…")
                    } else {
                        name
                    }
                })
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(GRID)
            .bold_line_style(GRID)
            .axis_style(INK)
            .y_labels(rows.len())
            .y_label_formatter(&names)
            .x_labels(5)
            .label_style((FONT, 12).into_font().color(&INK))
            .draw()?;
        chart.draw_series(rows.iter().enumerate().flat_map(|(i, r)| {
            let y = n - 1 - i as i32;
            [
                Rectangle::new([(0, y), (r.app_used, y + 1)], BRAND.mix(0.8).filled()),
                Rectangle::new(
                    [(r.app_used, y), (r.app_used + r.office_used, y + 1)],
                    ACCENT.mix(0.8).filled(),
                ),
            ]
        }))?;
        root.present()?;
        Ok(())
    })();
    match drawn {
        Ok(()) => out,
        Err(e) => {
            tracing::warn!(error = %e, "chart failed");
            empty(width, 60, "The chart could not be drawn.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_domain::day::Day;
    use portico_domain::ids::OrgId;

    #[test]
    fn text_in_a_chart_is_escaped() {
        let row = SeatRow {
            org_id: OrgId::generate(),
            org_name: "<script>alert(1)</script> & Co".into(),
            app_used: 3,
            app_limit: None,
            office_used: 1,
            office_limit: None,
        };
        let svg = seats_per_org(&[row], 600);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"), "{svg}");
        assert!(!svg.contains("style="), "CSP forbids inline styles: {svg}");
    }

    #[test]
    fn logins_chart_draws_a_bar_per_day() {
        let days: Vec<DayLogins> = (0..5)
            .map(|i| DayLogins {
                day: Day(20_000 + i),
                logins: i * 2,
                users: i,
            })
            .collect();
        let svg = logins_per_day(&days, 640, 240);
        assert!(svg.contains("<polyline"), "{svg}");
        assert!(svg.matches("<rect").count() >= 5, "{svg}");
        assert!(!svg.contains("style="));
    }
}
