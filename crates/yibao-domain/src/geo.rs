//! WGS-84 points, great-circle distance and simple polygons (county boundaries).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// Mean Earth radius used for great-circle distances, metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS-84 position, longitude and latitude in degrees, range-checked.
#[derive(Clone, Copy, PartialEq, Serialize)]
pub struct GeoPoint {
    lon: f64,
    lat: f64,
}

impl GeoPoint {
    pub fn new(lon: f64, lat: f64) -> Result<GeoPoint, ParseError> {
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(ParseError::Coordinate(format!(
                "经度 {lon} 超出 -180～180 的范围"
            )));
        }
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(ParseError::Coordinate(format!(
                "纬度 {lat} 超出 -90～90 的范围"
            )));
        }
        Ok(GeoPoint { lon, lat })
    }

    /// Parses two decimal strings, e.g. the `lon` and `lat` columns of a CSV row.
    pub fn parse(lon: &str, lat: &str) -> Result<GeoPoint, ParseError> {
        let number = |text: &str, what: &str| {
            text.trim()
                .parse::<f64>()
                .map_err(|_| ParseError::Coordinate(format!("{what}“{}”不是数字", text.trim())))
        };
        GeoPoint::new(number(lon, "经度")?, number(lat, "纬度")?)
    }

    pub fn lon(self) -> f64 {
        self.lon
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    /// Great-circle (haversine) distance in metres.
    pub fn distance_m(self, other: GeoPoint) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }
}

impl fmt::Debug for GeoPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:.6}, {:.6})", self.lon, self.lat)
    }
}

impl<'de> Deserialize<'de> for GeoPoint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            lon: f64,
            lat: f64,
        }
        let raw = Raw::deserialize(deserializer)?;
        GeoPoint::new(raw.lon, raw.lat).map_err(serde::de::Error::custom)
    }
}

/// Polygons with holes: `polygons[i][0]` is the outer ring, the others are holes; rings are
/// lists of `[lon, lat]`, the GeoJSON MultiPolygon layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiPolygon {
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
}

/// A lon/lat bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BoundingBox {
    pub fn empty() -> BoundingBox {
        BoundingBox {
            min_lon: f64::INFINITY,
            min_lat: f64::INFINITY,
            max_lon: f64::NEG_INFINITY,
            max_lat: f64::NEG_INFINITY,
        }
    }

    pub fn extend(&mut self, lon: f64, lat: f64) {
        self.min_lon = self.min_lon.min(lon);
        self.min_lat = self.min_lat.min(lat);
        self.max_lon = self.max_lon.max(lon);
        self.max_lat = self.max_lat.max(lat);
    }

    pub fn is_empty(&self) -> bool {
        self.min_lon > self.max_lon
    }
}

impl MultiPolygon {
    pub fn bounding_box(&self) -> BoundingBox {
        let mut bbox = BoundingBox::empty();
        for ring in self.polygons.iter().flatten() {
            for [lon, lat] in ring {
                bbox.extend(*lon, *lat);
            }
        }
        bbox
    }

    /// Even-odd test over the outer ring and holes of each polygon.
    pub fn contains(&self, point: GeoPoint) -> bool {
        self.polygons.iter().any(|polygon| {
            let mut rings = polygon.iter();
            let Some(outer) = rings.next() else {
                return false;
            };
            ring_contains(outer, point) && !rings.any(|hole| ring_contains(hole, point))
        })
    }

    /// Area-weighted centre of the outer rings (planar approximation; fine at county scale).
    pub fn centroid(&self) -> Option<GeoPoint> {
        let (mut area_sum, mut x_sum, mut y_sum) = (0.0, 0.0, 0.0);
        for polygon in &self.polygons {
            let Some(ring) = polygon.first() else {
                continue;
            };
            for pair in ring.windows(2) {
                let ([x0, y0], [x1, y1]) = (pair[0], pair[1]);
                let cross = x0 * y1 - x1 * y0;
                area_sum += cross;
                x_sum += (x0 + x1) * cross;
                y_sum += (y0 + y1) * cross;
            }
        }
        if area_sum.abs() < 1e-12 {
            return None;
        }
        GeoPoint::new(x_sum / (3.0 * area_sum), y_sum / (3.0 * area_sum)).ok()
    }
}

fn ring_contains(ring: &[[f64; 2]], point: GeoPoint) -> bool {
    let (x, y) = (point.lon, point.lat);
    let mut inside = false;
    let mut previous = match ring.last() {
        Some(last) => *last,
        None => return false,
    };
    for &[xi, yi] in ring {
        let [xj, yj] = previous;
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        previous = [xi, yi];
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_range_checked() {
        assert!(GeoPoint::new(180.0, 90.0).is_ok());
        assert!(GeoPoint::new(-180.0, -90.0).is_ok());
        assert_eq!(
            GeoPoint::new(180.0001, 30.0).unwrap_err().to_string(),
            "坐标无效：经度 180.0001 超出 -180～180 的范围"
        );
        assert_eq!(
            GeoPoint::new(120.0, -90.5).unwrap_err().to_string(),
            "坐标无效：纬度 -90.5 超出 -90～90 的范围"
        );
        assert!(GeoPoint::new(f64::NAN, 0.0).is_err());
        assert!(GeoPoint::new(0.0, f64::INFINITY).is_err());
        assert_eq!(
            GeoPoint::parse("120,1", "33").unwrap_err().to_string(),
            "坐标无效：经度“120,1”不是数字"
        );
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let a = GeoPoint::new(120.0, 33.0).unwrap();
        let b = GeoPoint::new(120.0, 34.0).unwrap();
        assert!((a.distance_m(b) - 111_195.0).abs() < 50.0);
        assert_eq!(a.distance_m(a), 0.0);
    }

    #[test]
    fn a_square_with_a_hole_contains_only_its_ring() {
        let square = vec![
            [0.0, 0.0],
            [10.0, 0.0],
            [10.0, 10.0],
            [0.0, 10.0],
            [0.0, 0.0],
        ];
        let hole = vec![[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0], [4.0, 4.0]];
        let shape = MultiPolygon {
            polygons: vec![vec![square, hole]],
        };
        let at = |lon, lat| shape.contains(GeoPoint::new(lon, lat).unwrap());
        assert!(at(1.0, 1.0));
        assert!(!at(5.0, 5.0));
        assert!(!at(11.0, 5.0));
        let centre = shape.centroid().unwrap();
        assert!((centre.lon() - 5.0).abs() < 1e-9 && (centre.lat() - 5.0).abs() < 1e-9);
    }
}
