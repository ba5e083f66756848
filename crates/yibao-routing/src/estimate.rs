//! Travel-time estimates without a road network: straight-line distance stretched by a detour
//! factor, at a fixed speed per mode. Used where no road network has been imported (the
//! console's coverage panel for Chinese districts, which have no offline road data); every
//! result built on it must say it is an estimate.
//!
//! Speeds: walk 5 km/h, e-bike 15 km/h, car 30 km/h (town traffic). The default detour factor
//! 1.3 is the usual ratio of road to straight-line distance in rural and small-town networks.

use crate::TravelMode;

/// Ratio of road distance to straight-line distance assumed when none is given.
pub const DEFAULT_DETOUR: f64 = 1.3;

/// Speed in km/h assumed for `mode` by the straight-line estimate.
pub fn estimate_speed_kmh(mode: TravelMode) -> f64 {
    match mode {
        TravelMode::Walk => 5.0,
        TravelMode::EBike => 15.0,
        TravelMode::Car => 30.0,
    }
}

/// Minutes to travel `distance_m` in a straight line stretched by `detour` at `mode`'s speed.
pub fn straight_line_minutes(distance_m: f64, mode: TravelMode, detour: f64) -> f64 {
    let metres_per_minute = estimate_speed_kmh(mode) * 1000.0 / 60.0;
    distance_m * detour / metres_per_minute
}

/// The straight-line distance in metres that `minutes` reach (the inverse of
/// [`straight_line_minutes`]).
pub fn straight_line_radius_m(minutes: f64, mode: TravelMode, detour: f64) -> f64 {
    let metres_per_minute = estimate_speed_kmh(mode) * 1000.0 / 60.0;
    minutes * metres_per_minute / detour
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_kilometre_on_foot_with_the_default_detour_takes_15_6_minutes() {
        // 1,000 m × 1.3 = 1,300 m at 5 km/h (83.33 m/min) = 15.6 min.
        let minutes = straight_line_minutes(1_000.0, TravelMode::Walk, DEFAULT_DETOUR);
        assert!((minutes - 15.6).abs() < 1e-9, "{minutes}");
    }

    #[test]
    fn faster_modes_take_proportionally_less() {
        // 3,000 m × 1.3 = 3,900 m: e-bike 250 m/min → 15.6 min; car 500 m/min → 7.8 min.
        let ebike = straight_line_minutes(3_000.0, TravelMode::EBike, DEFAULT_DETOUR);
        let car = straight_line_minutes(3_000.0, TravelMode::Car, DEFAULT_DETOUR);
        assert!((ebike - 15.6).abs() < 1e-9, "{ebike}");
        assert!((car - 7.8).abs() < 1e-9, "{car}");
        // No detour: 1,250 m on foot is exactly 15 minutes.
        assert!((straight_line_minutes(1_250.0, TravelMode::Walk, 1.0) - 15.0).abs() < 1e-9);
    }

    #[test]
    fn the_radius_is_the_inverse_of_the_time() {
        // 15 min on foot = 1,250 m of road = 961.5 m straight line with detour 1.3.
        let radius = straight_line_radius_m(15.0, TravelMode::Walk, DEFAULT_DETOUR);
        assert!((radius - 1_250.0 / 1.3).abs() < 1e-9, "{radius}");
        let back = straight_line_minutes(radius, TravelMode::Walk, DEFAULT_DETOUR);
        assert!((back - 15.0).abs() < 1e-9);
    }
}
